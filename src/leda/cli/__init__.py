"""The `leda` command line: one module per command group, each handing over to plain functions."""
