"""`python -m mbt_advisor` runs the command line."""

from mbt_advisor.cli.entry import run

run()
