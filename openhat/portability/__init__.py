"""Portability: a whole HAT exported as an archive, imported into either engine, and moved
between engines (docs/export-format.md)."""
