"""The LEDA aggregation pipeline: a pure domain core (`domain`), its AWS adapters (`io`) and the
code-path switches the stack sets (`switches`). The plumbing it shares with the other functions
(settings, clients, dead letters) is in leda_lambda."""
