"""`python -m api.cli …`: the same command line as the `machimap` script."""

from api.cli import main

main()
