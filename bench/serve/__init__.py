"""The serving benchmark (run.py); a package only so mypy tells it from bench/import/run.py."""
