"""Names the workshop's code refers to: the message's fields and the tables' keys.

The tables' physical names carry the participant's prefix, so they come from the environment
the stack gives each function, not from fixed strings.
"""

import os

ID_COLUMN_NAME = "TradeID"
VALUE_COLUMN_NAME = "Value"
VERSION_COLUMN_NAME = "Version"
TIMESTAMP_COLUMN_NAME = "Timestamp"
HIERARCHY_COLUMN_NAME = "Hierarchy"

STATE_TABLE_KEY = "id"
AGGREGATE_TABLE_KEY = "Identifier"
MESSAGE_COUNT_NAME = "message_count"
TIMESTAMP_GENERATOR_FIRST = "timestamp_generator_first"
TIMESTAMP_GENERATOR_MEAN = "timestamp_generator_mean"

STATE_TABLE_NAME = os.environ.get("STATE_TABLE_NAME", "StateTable")
AGGREGATE_TABLE_NAME = os.environ.get("AGGREGATE_TABLE_NAME", "AggregateTable")
PARAMETER_TABLE_NAME = os.environ.get("PARAMETER_TABLE_NAME", "ParameterTable")
