"""The terminal UI: screens over the ledger's service facade (`ledger.app_service`)."""
