"""The package version, kept apart so setup.py and `--version` read it without importing TF."""

__version__ = "0.1.0"
