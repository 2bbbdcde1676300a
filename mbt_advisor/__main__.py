"""`python -m mbt_advisor` runs the command line."""

from mbt_advisor.cli.entry import run

if __name__ == "__main__":  # not when a worker process of `serve --workers N` re-imports this module
    run()
