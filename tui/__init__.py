"""The terminal UI (arrives with its own issue)."""
