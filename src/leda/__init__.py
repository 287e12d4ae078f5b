"""Leda: the CLI, the offline runtime and the instructor tools around the pipeline functions."""
