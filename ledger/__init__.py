"""The decision ledger core: entries, store, verification and the service layer."""

__version__ = "0.1.0"
