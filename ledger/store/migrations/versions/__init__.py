"""The migrations, one revision per file, in the order each one's `down_revision` gives."""
