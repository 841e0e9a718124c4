"""The decision ledger: the protocol, the rules, verification, the store, the application layer
(`ledger.app`), the exports and the command line."""

import os

__version__ = "0.1.0"

# The ledger checks bodies with its own pydantic schemas, and nothing else may take part: a
# pydantic plugin installed in the same environment would be loaded (through the packages'
# entry points) at the first schema built, and could observe or change validation. Refusing
# plugins also spares every command the entry-point scan (about 20 ms).
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
