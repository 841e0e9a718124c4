"""The terminal UI: screens over the application layer (`ledger.app`)."""
