"""ReduceLambda, as the workshop hands it out.

Reads the pre-aggregated deltas MapLambda writes to ReduceTable, from the table's stream, sums
them and adds the sums to AggregateTable in one transaction. Lab 2, step 2 changes the
transaction between the `lab2-step2` markers; leave the markers in place.
"""

import hashlib  # lab 2 uses it
import json
import random
from decimal import Decimal

import boto3

import constants
import lab_helpers

ddb_client = boto3.client("dynamodb")


def handler(event, context):
    records = event["Records"]
    print(f"ReduceLambda invoked with {len(records)} delta message(s).")

    totals = {}
    for record in records:
        new_image = record["dynamodb"].get("NewImage")
        if new_image is None:
            continue  # a delete: nothing to add
        deltas = json.loads(new_image["Message"]["S"])
        for key, value in deltas.items():
            if key in (constants.TIMESTAMP_GENERATOR_FIRST, constants.TIMESTAMP_GENERATOR_MEAN):
                continue
            totals[key] = totals.get(key, Decimal(0)) + Decimal(str(value))

    if not totals:
        print("Nothing to add.")
        return {"statusCode": 200}

    batch = [
        {
            "Update": {
                "TableName": constants.AGGREGATE_TABLE_NAME,
                "Key": {constants.AGGREGATE_TABLE_KEY: {"S": key}},
                "UpdateExpression": "ADD #val :val",
                "ExpressionAttributeNames": {"#val": "Value"},
                "ExpressionAttributeValues": {":val": {"N": str(total)}},
            }
        }
        for key, total in totals.items()
    ]

    # >>> lab2-step2
    ddb_client.transact_write_items(TransactItems=batch)
    # <<< lab2-step2

    # The game's random failure, after the transaction: the trigger retries the batch.
    if random.uniform(0, 100) < lab_helpers.get_parameter("FAILURE_REDUCE_LAMBDA_PCT"):
        raise Exception("Injected failure (FAILURE_REDUCE_LAMBDA_PCT)")

    print(f"ReduceLambda added {totals.get(constants.MESSAGE_COUNT_NAME, 0)} message(s).")
    return {"statusCode": 200}
