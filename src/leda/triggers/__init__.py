"""Event source mappings for Kinesis and DynamoDB streams, with Lambda's documented semantics."""
