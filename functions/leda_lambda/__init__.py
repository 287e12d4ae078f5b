"""Plumbing every Lambda function in this folder shares, and nothing of any function's domain.

- `settings`: reading the environment, failing with a message that names the variable (and,
  for a code-path switch, the values it allows);
- `container`: what is built once per container (clients, queues, tables) and kept for every
  invocation after;
- `clients`: the boto3 clients; endpoints only from the standard AWS_ENDPOINT_URL_<SERVICE>
  variables, which boto3 reads by itself, so the code has no "local mode";
- `dead_letter`: records no retry can process, sent to an SQS queue with their reason.

It imports nothing else from this folder: the domain packages and the handlers build on it.
"""
