"""`python -m openhat` runs the CLI."""

from openhat.cli import main

main()
