"""Exports for auditors: the BagIt bundle, the per-decision dossier and the annual report.

Modules: `bag` (a deterministic BagIt 1.0 writer, its zip form, reading one back),
`replay` (a ledger rebuilt from canonical entries, in a temporary SQLite file), `bundle` and
`dossier` (writers), `verify_bundle` (`ledger verify --bundle`), `annual` (the rule-of-law
statistics), `render` (HTML, Markdown and CSV), `produced` (the `export.produced` entry type).
This package module imports nothing, so registering `export.produced` stays cheap.
"""
