"""Commands that act on a deployed stack: its outputs, and clients from the standard chain."""
