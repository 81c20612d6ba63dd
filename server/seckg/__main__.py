"""Lets `python -m seckg` run the same CLI as the `seckg` script."""

from seckg.cli import main

main()
