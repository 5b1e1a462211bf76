"""Housekeeping: the version, caches, metrics, front-end action reports, the legacy routes."""
