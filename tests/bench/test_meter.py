"""The meter against the documented rules, on small inputs whose units are worked out by hand.

DynamoDB: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
and .../read-write-operations.html (1 KB = 1,024 bytes). Kinesis:
https://aws.amazon.com/kinesis/data-streams/pricing/ (25 KB PUT payload units).
"""

from __future__ import annotations

from typing import Any

import pytest

from leda.bench.meter import (
    KINESIS_PUT_UNIT_BYTES,
    Usage,
    attribute_value_size,
    item_size,
    meter_call,
    number_size,
    statement_item_size,
)

CONDITION_FAILED = {
    "Error": {
        "Code": "ConditionalCheckFailedException",
        "Message": "The conditional request failed",
    }
}


def padded(size: int) -> dict[str, Any]:
    """An item of exactly `size` bytes (size >= 7): "id" + "k" is 2 + 1 = 3 bytes, "body" is
    4 bytes + its text."""
    return {"id": {"S": "k"}, "body": {"S": "x" * (size - 7)}}


def dynamodb(operation: str, params: dict[str, Any], response: dict[str, Any] | None = None):
    return meter_call("dynamodb", operation, params, response or {})


# Trade 0d957268-... as StateTable stores it; its size by hand:
#   "id" 2 + 36 characters                        = 38
#   "Value" 5 + N 34624.51 (7 digits: 4 + 1)      = 10
#   "Version" 7 + N 3 (1 digit: 1 + 1)            =  9
#   "Hierarchy" 9 + 62 characters of JSON text    = 71
#   "Timestamp" 9 + N 1616413258.89 (12: 6 + 1)   = 16
#                                                  = 144 bytes: one write unit
TRADE_ID = "0d957268-5c1e-4d2a-9f3b-7a6e1c2b3d4f"
HIERARCHY = '{"Region": "AMER", "RiskType": "Delta", "TradeDesk": "FXSpot"}'
TRADE_SIZE = 144
TRADE = {
    "id": {"S": TRADE_ID},
    "Value": {"N": "34624.51"},
    "Version": {"N": "3"},
    "Hierarchy": {"S": HIERARCHY},
    "Timestamp": {"N": "1616413258.89"},
}


def state_update(**extra: Any) -> dict[str, Any]:
    """StateStore.write_unconditional's call for TRADE."""
    return {
        "TableName": "StateTable",
        "Key": {"id": TRADE["id"]},
        "UpdateExpression": "SET #val = :val, #ver = :ver, #h = :h, #ts = :ts",
        "ExpressionAttributeNames": {
            "#val": "Value",
            "#ver": "Version",
            "#h": "Hierarchy",
            "#ts": "Timestamp",
        },
        "ExpressionAttributeValues": {
            ":val": TRADE["Value"],
            ":ver": TRADE["Version"],
            ":h": TRADE["Hierarchy"],
            ":ts": TRADE["Timestamp"],
        },
        **extra,
    }


# StateStore's PartiQL statements, parameters in the same order as its code.
INSERT = (
    'INSERT INTO "StateTable" VALUE '
    "{'id': ?, 'Value': ?, 'Version': ?, 'Hierarchy': ?, 'Timestamp': ?}"
)
INSERT_PARAMETERS = [TRADE[n] for n in ("id", "Value", "Version", "Hierarchy", "Timestamp")]
UPDATE = (
    'UPDATE "StateTable" SET "Value" = ? SET "Version" = ? '
    'SET "Hierarchy" = ? SET "Timestamp" = ? WHERE "id" = ? AND "Version" < ?'
)
UPDATE_PARAMETERS = [
    TRADE[n] for n in ("Value", "Version", "Hierarchy", "Timestamp", "id", "Version")
]


# --- sizes -------------------------------------------------------------------------------------


def test_number_size_is_one_byte_per_two_significant_digits_plus_one():
    assert number_size("5") == 2  # 1 digit: ceil(1/2) + 1
    assert number_size("34624.51") == 5  # 7 digits: 4 + 1
    assert number_size("1616413258.89") == 7  # 12 digits: 6 + 1
    assert number_size("100") == 2  # trailing zeros trimmed: 1 digit
    assert number_size("-0.00120") == 2  # leading and trailing zeros trimmed: "12", 1 + 1
    assert number_size("0") == 1  # no significant digit: the 1 byte alone
    assert number_size("9" * 38) == 20  # 38 digits kept (no rounding to 28): 19 + 1


def test_attribute_sizes_by_type():
    assert attribute_value_size({"S": "héllo"}) == 6  # é is 2 bytes of UTF-8
    assert attribute_value_size({"B": b"\x00\x01\x02"}) == 3  # raw bytes, not base64
    assert attribute_value_size({"BOOL": True}) == 1
    assert attribute_value_size({"NULL": True}) == 1
    # List: 3 + per element (1 + size): (1 + 1) for S "a", (1 + 2) for N "5" -> 3 + 2 + 3
    assert attribute_value_size({"L": [{"S": "a"}, {"N": "5"}]}) == 8
    assert attribute_value_size({"L": []}) == 3
    # Map: 3 + per element (1 + name + value): 1 + 1 ("k") + 2 ("ab") -> 3 + 4
    assert attribute_value_size({"M": {"k": {"S": "ab"}}}) == 7
    assert attribute_value_size({"SS": ["ab", "c"]}) == 3  # 2 + 1
    assert attribute_value_size({"NS": ["5", "34624.51"]}) == 7  # 2 + 5
    assert attribute_value_size({"BS": [b"ab", b"cde"]}) == 5  # 2 + 3


def test_item_size_counts_attribute_names():
    # "id" 2 + "abc" 3 = 5; "n" 1 + N "12" (2 digits: 1 + 1) = 3
    assert item_size({"id": {"S": "abc"}, "n": {"N": "12"}}) == 8
    assert item_size(TRADE) == TRADE_SIZE
    assert item_size(padded(1024)) == 1024


# --- writes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "units"), [(7, 1), (1023, 1), (1024, 1), (1025, 2), (2048, 2), (2049, 3)]
)
def test_put_item_rounds_each_item_up_to_1_kb(size, units):
    usage = dynamodb("PutItem", {"TableName": "t", "Item": padded(size)})
    assert usage.write_units == units
    assert usage.read_units == 0
    assert usage.requests == 1
    assert usage.by_operation == {"dynamodb.PutItem": 1}


def test_put_item_replacing_a_larger_item_pays_for_the_larger():
    # ReturnValues=ALL_OLD shows the replaced item: max(500, 1500) bytes -> 2 units
    usage = dynamodb(
        "PutItem",
        {"Item": padded(500), "ReturnValues": "ALL_OLD"},
        {"Attributes": padded(1500)},
    )
    assert usage.write_units == 2


def test_update_item_estimate_is_key_plus_values_written():
    assert dynamodb("UpdateItem", state_update()).write_units == 1  # 144 bytes


def test_update_item_estimate_leaves_out_values_only_compared():
    # A 2,000-byte value used only in the condition: counted, it would make 144 + 2,000 + name
    # > 2 KB, i.e. 3 units; it is not stored, so the item stays 144 bytes: 1 unit.
    params = state_update(ConditionExpression="attribute_not_exists(id) OR #ver < :huge")
    params["ExpressionAttributeValues"][":huge"] = {"S": "x" * 2000}
    assert dynamodb("UpdateItem", params).write_units == 1


def test_update_item_estimate_follows_the_value_into_its_attribute():
    # SET #h = :h with a 1,000-character Hierarchy: 144 - 62 + 1,000 = 1,082 bytes -> 2 units
    params = state_update()
    params["ExpressionAttributeValues"][":h"] = {"S": "h" * 1000}
    assert dynamodb("UpdateItem", params).write_units == 2


def test_update_item_uses_returned_attributes_when_asked_for():
    # ALL_NEW returns the whole item after the update: 1,500 bytes -> 2 units, though the
    # request alone (key + one small value) would estimate 1.
    params = {
        "Key": {"id": {"S": "k"}},
        "UpdateExpression": "SET #n = :n",
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":n": {"N": "1"}},
        "ReturnValues": "ALL_NEW",
    }
    assert dynamodb("UpdateItem", params, {"Attributes": padded(1500)}).write_units == 2
    # Without it the estimate errs low: the same update of the same 1,500-byte item, 1 unit.
    del params["ReturnValues"]
    assert dynamodb("UpdateItem", params).write_units == 1


def test_update_item_with_all_old_pays_for_the_larger_of_before_and_after():
    # The item was 3,000 bytes before (ALL_OLD); after = old + one small value: still ~3 KB.
    params = {
        "Key": {"id": {"S": "k"}},
        "UpdateExpression": "SET #n = :n REMOVE body",
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":n": {"N": "1"}},
        "ReturnValues": "ALL_OLD",
    }
    # after (REMOVE not subtracted): 3,000 + "n" 1 + N 1 (2) = 3,003 bytes -> 3 units
    assert dynamodb("UpdateItem", params, {"Attributes": padded(3000)}).write_units == 3
    # UPDATED_OLD shows only the updated attribute before: a 1,500-byte "n" -> key 3 +
    # 1 + 1,500 = 1,504 bytes before -> 2 units
    params["ReturnValues"] = "UPDATED_OLD"
    before = {"Attributes": {"n": {"S": "x" * 1500}}}
    assert dynamodb("UpdateItem", params, before).write_units == 2


def test_update_item_add_with_updated_new_as_parameter_table_add_sends_it():
    # "parameter" 9 + "SCORE" 5 = 14, "value" 5 + N 400 (1 digit: 2) = 7 -> 21 bytes, 1 unit
    usage = dynamodb(
        "UpdateItem",
        {
            "Key": {"parameter": {"S": "SCORE"}},
            "UpdateExpression": "ADD #v :d",
            "ExpressionAttributeNames": {"#v": "value"},
            "ExpressionAttributeValues": {":d": {"N": "100"}},
            "ReturnValues": "UPDATED_NEW",
        },
        {"Attributes": {"value": {"N": "400"}}},
    )
    assert usage.write_units == 1


def test_failed_conditional_write_is_still_charged():
    # "If the expression evaluates to false, DynamoDB still consumes write capacity units",
    # sized by the item being written: 1,500 bytes -> 2 units.
    put = dynamodb(
        "PutItem",
        {"Item": padded(1500), "ConditionExpression": "attribute_not_exists(id)"},
        CONDITION_FAILED,
    )
    assert put.write_units == 2
    update = dynamodb(
        "UpdateItem", state_update(ConditionExpression="#ver < :ver"), CONDITION_FAILED
    )
    assert update.write_units == 1


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "ValidationException"]
)
def test_a_call_refused_for_another_reason_counts_the_request_only(code):
    usage = dynamodb("PutItem", {"Item": padded(1500)}, {"Error": {"Code": code}})
    assert (usage.read_units, usage.write_units, usage.requests) == (0, 0, 1)


def test_delete_item_pays_for_the_deleted_item_when_it_is_returned():
    assert dynamodb("DeleteItem", {"Key": {"id": {"S": "k"}}}).write_units == 1  # key: 3 bytes
    usage = dynamodb(
        "DeleteItem",
        {"Key": {"id": {"S": "k"}}, "ReturnValues": "ALL_OLD"},
        {"Attributes": padded(2500)},  # 2,500 bytes -> 3 units
    )
    assert usage.write_units == 3


def test_batch_write_item_rounds_per_item_and_skips_unprocessed():
    # The documented example: 500 bytes and 3.5 KB are 1 + 4 = 5 units, not ceil(4,084 / 1,024)
    # = 4. Plus a delete (1 unit); the 2,000-byte put came back unprocessed: not charged.
    unprocessed = {"PutRequest": {"Item": padded(2000)}}
    usage = dynamodb(
        "BatchWriteItem",
        {
            "RequestItems": {
                "t": [
                    {"PutRequest": {"Item": padded(500)}},
                    {"PutRequest": {"Item": padded(3584)}},
                    {"DeleteRequest": {"Key": {"id": {"S": "gone"}}}},
                    unprocessed,
                ]
            }
        },
        {"UnprocessedItems": {"t": [unprocessed]}},
    )
    assert usage.write_units == 1 + 4 + 1


def test_transaction_writes_cost_double():
    # Three 500-byte items: 3 x 2 = 6 units (the documentation's example: six WCUs); a 2 KB
    # item: 2 x 2 = 4 (the documentation: "4 write units for a transactional write request").
    three = {"TransactItems": [{"Put": {"TableName": "t", "Item": padded(500)}}] * 3}
    assert dynamodb("TransactWriteItems", three).write_units == 6
    two_kb = {"TransactItems": [{"Put": {"TableName": "t", "Item": padded(2048)}}]}
    assert dynamodb("TransactWriteItems", two_kb).write_units == 4


def test_transaction_of_updates_deletes_and_condition_checks():
    # ReduceLambda-style ADD (small: 2 units), a delete (2), a condition check (2)
    usage = dynamodb(
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Update": {
                        "Key": {"Identifier": {"S": "Delta:FXSpot"}},
                        "UpdateExpression": "ADD #v :d",
                        "ExpressionAttributeNames": {"#v": "Value"},
                        "ExpressionAttributeValues": {":d": {"N": "-12.5"}},
                    }
                },
                {"Delete": {"Key": {"Identifier": {"S": "old"}}}},
                {"ConditionCheck": {"Key": {"Identifier": {"S": "x"}}}},
            ]
        },
    )
    assert usage.write_units == 2 + 2 + 2


def test_cancelled_transaction_is_still_charged():
    params = {"TransactItems": [{"Put": {"Item": padded(500)}}] * 2}
    cancelled = {
        "Error": {"Code": "TransactionCanceledException"},
        "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}],
    }
    assert dynamodb("TransactWriteItems", params, cancelled).write_units == 4  # 2 x 2


# --- reads -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "consistent", "units"),
    [(4096, True, 1.0), (4096, False, 0.5), (4097, True, 2.0), (4097, False, 1.0)],
)
def test_get_item_rounds_up_to_4_kb_and_eventual_reads_cost_half(size, consistent, units):
    usage = dynamodb(
        "GetItem", {"Key": {"id": {"S": "k"}}, "ConsistentRead": consistent}, {"Item": padded(size)}
    )
    assert usage.read_units == units
    assert usage.write_units == 0


def test_get_item_is_eventually_consistent_by_default():
    assert dynamodb("GetItem", {"Key": {"id": {"S": "k"}}}, {"Item": padded(10)}).read_units == 0.5


def test_get_item_miss_still_costs_a_read():
    # "If you perform a read operation on an item that doesn't exist, DynamoDB will still
    # consume read throughput": 1 unit strongly consistent, 0.5 eventually.
    strong = dynamodb("GetItem", {"Key": {"id": {"S": "nope"}}, "ConsistentRead": True}, {})
    eventual = dynamodb("GetItem", {"Key": {"id": {"S": "nope"}}}, {})
    assert (strong.read_units, eventual.read_units) == (1.0, 0.5)


def test_scan_rounds_the_whole_page_not_each_item():
    # Three 1,500-byte items: 4,500 bytes -> ceil(4,500 / 4,096) = 2 units strongly, 1
    # eventually; rounding per item would have made 3.
    page = {"Items": [padded(1500)] * 3, "Count": 3, "ScannedCount": 3}
    assert dynamodb("Scan", {"TableName": "t", "ConsistentRead": True}, page).read_units == 2
    assert dynamodb("Scan", {"TableName": "t"}, page).read_units == 1
    assert dynamodb("Query", {"TableName": "t", "ConsistentRead": True}, page).read_units == 2


def test_scan_with_a_filter_pays_for_the_items_evaluated():
    # 3 of 6 evaluated items returned: 4,500 x 6 / 3 = 9,000 bytes -> ceil(9,000 / 4,096) = 3
    page = {"Items": [padded(1500)] * 3, "Count": 3, "ScannedCount": 6}
    assert dynamodb("Scan", {"ConsistentRead": True}, page).read_units == 3


def test_empty_scan_still_costs_a_read():
    empty = {"Items": [], "Count": 0, "ScannedCount": 0}
    assert dynamodb("Scan", {"ConsistentRead": True}, empty).read_units == 1


def test_batch_get_item_rounds_per_item_and_charges_misses():
    # Table a, strongly consistent: the documented example 1.5 KB + 6.5 KB -> 4 KB + 8 KB =
    # 3 units; its third key came back unprocessed: not charged.
    # Table b, eventually consistent: one small item (0.5) and one miss (0.5).
    usage = dynamodb(
        "BatchGetItem",
        {
            "RequestItems": {
                "a": {"Keys": [{"id": {"S": str(i)}} for i in range(3)], "ConsistentRead": True},
                "b": {"Keys": [{"id": {"S": "1"}}, {"id": {"S": "missing"}}]},
            }
        },
        {
            "Responses": {"a": [padded(1536), padded(6656)], "b": [padded(100)]},
            "UnprocessedKeys": {"a": {"Keys": [{"id": {"S": "2"}}], "ConsistentRead": True}},
        },
    )
    assert usage.read_units == 3 + 0.5 + 0.5


def test_transaction_reads_cost_double():
    # An 8 KB item: 2 units strongly, doubled = 4 (the documentation's example); a miss: 1 x 2.
    usage = dynamodb(
        "TransactGetItems",
        {
            "TransactItems": [
                {"Get": {"Key": {"id": {"S": "a"}}}},
                {"Get": {"Key": {"id": {"S": "b"}}}},
            ]
        },
        {"Responses": [{"Item": padded(8192)}, {}]},
    )
    assert usage.read_units == 4 + 2


# --- PartiQL -----------------------------------------------------------------------------------


def test_statement_item_size_pairs_parameters_with_names():
    assert statement_item_size(INSERT, INSERT_PARAMETERS) == TRADE_SIZE
    # UPDATE: the four SET values and the key from WHERE; `"Version" < ?` only compares.
    assert statement_item_size(UPDATE, UPDATE_PARAMETERS) == TRADE_SIZE
    # DELETE: the key alone, "id" 2 + 36 = 38 bytes
    assert statement_item_size('DELETE FROM "t" WHERE "id" = ?', [TRADE["id"]]) == 38


def test_statement_item_size_leaves_out_compared_values_and_counts_unnamed_ones():
    # SET "a" = N 5: 1 + 2 = 3; key "id" = "k": 2 + 1 = 3; "b" < (a 500-byte string) is a
    # condition, not stored -> 6 bytes. Counted, it would be 6 + 1 + 500.
    statement = 'UPDATE "t" SET "a" = ? WHERE "id" = ? AND "b" < ?'
    parameters = [{"N": "5"}, {"S": "k"}, {"S": "x" * 500}]
    assert statement_item_size(statement, parameters) == 6
    # Values inside a list literal have no name of their own: "id" 3 + 10 + 20 bytes (the
    # list's own overhead and name are not seen: errs low)
    listed = "INSERT INTO \"t\" VALUE {'id': ?, 'tags': [?, ?]}"
    assert statement_item_size(listed, [{"S": "k"}, {"S": "x" * 10}, {"S": "y" * 20}]) == 33


def test_batch_insert_with_mixed_outcomes():
    # Four INSERTs of 144-byte trades: two written, one refused as DuplicateItem (charged, like
    # a failed conditional write), one throttled (not charged): 3 units.
    statements = [{"Statement": INSERT, "Parameters": INSERT_PARAMETERS}] * 4
    usage = dynamodb(
        "BatchExecuteStatement",
        {"Statements": statements},
        {
            "Responses": [
                {"TableName": "StateTable"},
                {"TableName": "StateTable"},
                {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key"}},
                {"Error": {"Code": "ThrottlingError", "Message": "slow down"}},
            ]
        },
    )
    assert usage.write_units == 3
    assert usage.by_operation == {"dynamodb.BatchExecuteStatement": 1}


def test_batch_update_refused_by_its_condition_is_still_charged():
    # Two version-conditional UPDATEs: one applied, one an older version (ConditionalCheckFailed)
    statements = [{"Statement": UPDATE, "Parameters": UPDATE_PARAMETERS}] * 2
    usage = dynamodb(
        "BatchExecuteStatement",
        {"Statements": statements},
        {"Responses": [{}, {"Error": {"Code": "ConditionalCheckFailed"}}]},
    )
    assert usage.write_units == 2


def test_batch_select_reads_per_statement_consistency():
    # Found 5,000-byte item strongly: 2 units; a miss eventually: 0.5
    select = 'SELECT * FROM "t" WHERE "id" = ?'
    usage = dynamodb(
        "BatchExecuteStatement",
        {
            "Statements": [
                {"Statement": select, "Parameters": [{"S": "a"}], "ConsistentRead": True},
                {"Statement": select, "Parameters": [{"S": "b"}]},
            ]
        },
        {"Responses": [{"Item": padded(5000)}, {}]},
    )
    assert (usage.read_units, usage.write_units) == (2.5, 0)


def test_execute_statement_insert_refused_as_duplicate_is_charged():
    usage = dynamodb(
        "ExecuteStatement",
        {"Statement": INSERT, "Parameters": INSERT_PARAMETERS},
        {"Error": {"Code": "DuplicateItemException"}},
    )
    assert usage.write_units == 1


def test_execute_statement_select_rounds_its_page():
    page = {"Items": [padded(3000)] * 2}  # 6,000 bytes -> 2 units strongly
    usage = dynamodb(
        "ExecuteStatement", {"Statement": "SELECT * FROM t", "ConsistentRead": True}, page
    )
    assert usage.read_units == 2


# --- Kinesis -----------------------------------------------------------------------------------


def record(size: int, data_type: type = bytes) -> dict[str, Any]:
    """A record of `size` bytes: partition key "k" (1 byte) + data."""
    data = "d" * (size - 1)
    return {"Data": data.encode() if data_type is bytes else data, "PartitionKey": "k"}


@pytest.mark.parametrize(
    ("size", "units"), [(1, 1), (25_600, 1), (25_601, 2), (51_200, 2), (51_201, 3)]
)
def test_put_record_counts_25_kb_payload_units(size, units):
    # 25 KB = 25 x 1,024 = 25,600 bytes; 51,201 bytes = 2 x 25,600 + 1 -> 3 units
    assert KINESIS_PUT_UNIT_BYTES == 25 * 1024
    usage = meter_call("kinesis", "PutRecord", record(size), {"SequenceNumber": "1"})
    assert usage.kinesis_put_units == units


def test_put_records_counts_each_accepted_record():
    # 200 bytes: 1; 25,601 bytes (data as text): 2; the refused record: not added, not charged.
    usage = meter_call(
        "kinesis",
        "PutRecords",
        {"Records": [record(200), record(25_601, str), record(200)]},
        {
            "FailedRecordCount": 1,
            "Records": [
                {"SequenceNumber": "1"},
                {"SequenceNumber": "2"},
                {"ErrorCode": "ProvisionedThroughputExceededException"},
            ],
        },
    )
    assert usage.kinesis_put_units == 3
    assert usage.by_operation == {"kinesis.PutRecords": 1}


def test_put_records_refused_as_a_whole_adds_nothing():
    usage = meter_call(
        "kinesis", "PutRecords", {"Records": [record(200)]}, {"Error": {"Code": "ResourceNotFound"}}
    )
    assert (usage.kinesis_put_units, usage.requests) == (0, 1)


# --- requests only -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("sqs", "SendMessageBatch"),
        ("dynamodb", "DescribeTable"),
        ("dynamodb", "ListTables"),
        ("streams.dynamodb", "GetRecords"),  # the endpoint prefix botocore reports
        ("dynamodbstreams", "GetRecords"),
        ("kinesis", "GetRecords"),
        ("events", "PutEvents"),
    ],
)
def test_other_calls_count_the_request_only(service, operation):
    usage = meter_call(service, operation, {"Records": [record(200)]}, {"Records": [{}]})
    assert usage == Usage(requests=1, by_operation={f"{service}.{operation}": 1})


# --- summing -----------------------------------------------------------------------------------


def test_usages_sum():
    a = Usage(1.5, 2.0, 3, 2, {"dynamodb.GetItem": 1, "kinesis.PutRecords": 1})
    b = Usage(0.5, 1.0, 1, 1, {"dynamodb.GetItem": 1})
    total = a + b
    assert total == Usage(2.0, 3.0, 4, 3, {"dynamodb.GetItem": 2, "kinesis.PutRecords": 1})
    assert a == Usage(1.5, 2.0, 3, 2, {"dynamodb.GetItem": 1, "kinesis.PutRecords": 1})  # intact
    assert sum([a, b]) == total  # sum() starts from 0
    running = Usage()
    assert running.add(a).add(b) is running
    assert running == total


def test_metered_calls_sum_into_a_run():
    calls = [
        meter_call("dynamodb", "GetItem", {"ConsistentRead": True}, {}),  # 1 read
        meter_call("dynamodb", "PutItem", {"Item": padded(1500)}, {}),  # 2 writes
        meter_call("dynamodb", "PutItem", {"Item": padded(100)}, {}),  # 1 write
        meter_call("kinesis", "PutRecord", record(100), {}),  # 1 unit
        meter_call("sqs", "SendMessageBatch", {}, {}),
    ]
    total = sum(calls, Usage())
    assert total == Usage(
        read_units=1,
        write_units=3,
        kinesis_put_units=1,
        requests=5,
        by_operation={
            "dynamodb.GetItem": 1,
            "dynamodb.PutItem": 2,
            "kinesis.PutRecord": 1,
            "sqs.SendMessageBatch": 1,
        },
    )


def test_usage_round_trips_through_a_dict():
    usage = Usage(1.5, 2.0, 3, 4, {"sqs.SendMessageBatch": 1, "dynamodb.Scan": 3})
    data = usage.to_dict()
    assert data == {
        "read_units": 1.5,
        "write_units": 2.0,
        "kinesis_put_units": 3,
        "requests": 4,
        "by_operation": {"dynamodb.Scan": 3, "sqs.SendMessageBatch": 1},
    }
    assert Usage.from_dict(data) == usage
    assert Usage.from_dict({}) == Usage()
