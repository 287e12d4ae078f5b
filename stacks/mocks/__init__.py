"""The program's second interpreter: `run.py` runs it under Pulumi's mocks, `cloud.py` answers
as AWS would, `stateful.py` says which resources hold data and what would replace them."""
