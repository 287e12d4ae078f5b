"""Pure logic of the pipeline: no AWS calls, no clock, no randomness of its own."""
