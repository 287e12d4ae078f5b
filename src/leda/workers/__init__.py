"""Running Lambda functions locally: each in processes of its own, with exactly its own code and
environment, one warm process per concurrent invocation, as Lambda keeps containers."""
