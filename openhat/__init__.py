"""openhat: an open, HAT-compatible personal data server (HAT API v2.6)."""

__version__ = "0.1.0"
