"""The game's parameters, read from ParameterTable as every function of the workshop does."""

import boto3

import constants

_table = boto3.resource("dynamodb").Table(constants.PARAMETER_TABLE_NAME)


def get_parameter(name, default=0):
    """A parameter's number (strongly consistent), or `default` when it is not set."""
    item = _table.get_item(Key={"parameter": name}, ConsistentRead=True).get("Item")
    return float(item["value"]) if item and "value" in item else default
