"""StateLambda, as the workshop hands it out.

Reads trade messages from the Kinesis stream IncomingDataStream and writes each one to
StateTable with UpdateItem: the latest known value of every trade. Lab 2, step 1 changes the
write between the `lab2-step1` markers; leave the markers in place (`leda lab check`,
`leda lab solution` and `leda lab reset` find the step by them).
"""

import base64
import json
import random
import time
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError  # lab 2 uses it

import constants
import lab_helpers

table = boto3.resource("dynamodb").Table(constants.STATE_TABLE_NAME)


def handler(event, context):
    records = event["Records"]
    print(f"StateLambda invoked with {len(records)} record(s).")
    failure_pct = lab_helpers.get_parameter("FAILURE_STATE_LAMBDA_PCT")

    for record in records:
        # The game's random failure: about FAILURE_STATE_LAMBDA_PCT percent of batches.
        if random.uniform(0, 100) < failure_pct / len(records):
            raise Exception("Injected failure (FAILURE_STATE_LAMBDA_PCT)")

        data = json.loads(base64.b64decode(record["kinesis"]["data"]).decode("utf-8"))
        record_id = data[constants.ID_COLUMN_NAME]
        record_hierarchy = data[constants.HIERARCHY_COLUMN_NAME]
        record_value = data[constants.VALUE_COLUMN_NAME]
        record_version = data[constants.VERSION_COLUMN_NAME]
        record_time = data[constants.TIMESTAMP_COLUMN_NAME]

        # Messages older than a minute are skipped.
        if time.time() - record_time > 60:
            continue

        # >>> lab2-step1
        # Only a trade's first version, or a newer one than StateTable holds, is written:
        # a duplicate or an older version is refused by the condition, and skipped.
        try:
            table.update_item(
                Key={constants.STATE_TABLE_KEY: record_id},
                ConditionExpression=(
                    f"attribute_not_exists({constants.STATE_TABLE_KEY}) OR "
                    f"{constants.VERSION_COLUMN_NAME} < :new_version"
                ),
                UpdateExpression=(
                    "SET #value = :new_value, #version = :new_version, "
                    "#hierarchy = :new_hierarchy, #timestamp = :new_time"
                ),
                ExpressionAttributeNames={
                    "#value": constants.VALUE_COLUMN_NAME,
                    "#version": constants.VERSION_COLUMN_NAME,
                    "#hierarchy": constants.HIERARCHY_COLUMN_NAME,
                    "#timestamp": constants.TIMESTAMP_COLUMN_NAME,
                },
                ExpressionAttributeValues={
                    ":new_value": Decimal(str(record_value)),
                    ":new_version": record_version,
                    ":new_hierarchy": json.dumps(record_hierarchy, sort_keys=True),
                    ":new_time": Decimal(str(record_time)),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            print(
                "Conditional put failed. This is either a duplicate or a more recent version "
                "already arrived."
            )
            print("Id: ", record_id)
            print("Hierarchy: ", record_hierarchy)
            print("Value: ", record_value)
            print("Version: ", record_version)
            print("Timestamp: ", record_time)
        # <<< lab2-step1

    print(f"StateLambda wrote {len(records)} record(s).")
    return {"statusCode": 200}
