"""The demo: a TPC-H operational source that feeds the product and the truth that checks it.

Nothing in the product (``ingest/``, ``models/``) depends on this package; a user with a real source can
ignore it. The one exception is a named hook: ``python ingest/run.py`` calls
:func:`demo.source.ensure_demo_source` when the embedded default source is empty (see ``ingest/run.py``).
The import contracts in ``pyproject.toml`` (import-linter, run by the quality gates) keep it that way.

- ``demo/tables.py``: the TPC-H tables' DDL, keys and column types, and the mark of a demo source;
- ``demo/source.py``: generates the source with ``tpchgen-cli``; the command line ``init`` / ``advance`` / ``status``;
- ``demo/simulator.py``: the deterministic day-by-day business simulation;
- ``demo/truth_log.py``: the triggers that record every change in ``demo.truth_log``, and its readers.
"""
