"""The hands-on labs: a participant's workspace (workspace.py), its steps (steps.py), and the
checks that say from what the pipeline does whether each step works (check.py)."""
