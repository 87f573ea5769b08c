"""The report submission benchmark (run.py); a package only so mypy tells it from the other
benchmarks' run.py."""
