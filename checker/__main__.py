"""``python -m histcheck``: the command line, as the ``histcheck`` script runs it."""

from histcheck.cli import main

main(prog_name="histcheck")
