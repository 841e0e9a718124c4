"""Exports for auditors: the BagIt bundle, the per-decision dossier and the annual report.

Modules: `bag` (a deterministic BagIt 1.0 writer, its zip form, reading one back safely),
`bag_read` (reading a bag's files in their writer's form only), `replay` (a ledger, or some of
its entries, rebuilt from canonical entries in a temporary SQLite file), `bundle` and `dossier`
(writers), `verify_bundle` and `verify_dossier` (`ledger verify --bundle`) with `verify_bag` (the
checks they share) and `fixity` (BagIt fixity), `annual` (the rule-of-law statistics), `render`
(HTML, Markdown and CSV), `produced` (the `export.produced` entry type).
This package module imports nothing, so the registry's import of `export.produced` stays cheap.
"""
