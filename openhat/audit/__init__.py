"""The access audit log (docs/audit.md): who read or changed what in a HAT, and when."""
