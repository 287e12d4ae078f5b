"""What one AWS API call costs in billing units, from the call as boto3's low-level client sees it.

The benchmark must price what the functions actually do, and DynamoDB Local does not report
consumed capacity the way DynamoDB does, so the units are computed here from the documented
rules: the operation, the request parameters (DynamoDB attribute-value form) and the parsed
response (or the parsed error, for a call that failed).

The rules, and where they are written (read 2026-11-23):

- Item size: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
  Size = sum over attributes of (UTF-8 bytes of the name + size of the value). S: UTF-8 bytes;
  N: about 1 byte per two significant digits + 1 byte (leading and trailing zeros trimmed, up
  to 38 digits); B: raw bytes; BOOL, NULL: 1 byte; L, M: 3 bytes + 1 byte per element + the
  elements (a map element's name included); SS, NS, BS: the sum of the elements.
- Units per operation:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
  A read unit is one strongly consistent read of up to 4 KB (sizes rounded up to 4 KB),
  eventually consistent costs half, transactional double; a write unit writes up to 1 KB
  (rounded up per item), transactional double. GetItem and BatchGetItem round each item;
  Query and Scan round the total of the page. A read of an item that does not exist still
  consumes a read (1 unit strongly, 0.5 eventually: in numbers on the guide's older page
  ProvisionedThroughput.html, github.com/awsdocs/amazon-dynamodb-developer-guide). PutItem
  counts the larger of the old and new item, UpdateItem the larger of before and after,
  DeleteItem the deleted item. BatchWriteItem is one PutItem or DeleteItem per item. "If the
  expression evaluates to false, DynamoDB still consumes write capacity units", sized by the
  item being written.
- Transactions: "two underlying reads or writes of every item in the transaction",
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
- PartiQL INSERT refuses an existing key with DuplicateItemException:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.insert.html
- Kinesis: "A PUT Payload Unit is counted in 25KB payload 'chunks' that comprise a record",
  https://aws.amazon.com/kinesis/data-streams/pricing/ (the same page counts 1 KB as 1,024 bytes).
  Which bytes count is not said there; the record's data blob plus its partition key is taken,
  as the PutRecords API reference counts them toward the record size limit.

Not written anywhere found, and chosen here (each says which way it can err):

- A PartiQL write refused for its condition (ConditionalCheckFailed, DuplicateItem) is charged
  like a failed conditional write: an INSERT is a put that must not find the key and an UPDATE
  is a conditional update, so the conditional-write rule is applied to them by analogy.
- A cancelled TransactWriteItems is charged in full. The stored copy of the AWS page does not
  say so; a third-party document quotes the page as "This capacity is consumed even when the
  transaction is canceled". A replay answered from a ClientRequestToken is charged as writes
  too; a third-party measurement reports DynamoDB bills it as reads: errs high.
- A ConditionCheck inside a transaction is charged as a transactional write of its key (a
  third-party measurement on DynamoDB, not the AWS documentation).
- A call refused for any other reason (throttling, validation, conflict) is charged nothing but
  the request: how far it got is unknown.
- A Kinesis record refused inside PutRecords (ErrorCode) is not charged: it was not added.

The returned Usage counts one request per call; botocore's retries happen inside the call and
are not counted separately.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4 * 1024
KINESIS_PUT_UNIT_BYTES = 25 * 1024
TRANSACTION_FACTOR = 2

AttributeValue = Mapping[str, Any]
Item = Mapping[str, AttributeValue]

# Errors after which DynamoDB has still done (and billed) the work.
_CHARGED_ERRORS = frozenset(
    {
        "ConditionalCheckFailedException",
        "ConditionalCheckFailed",  # a statement's code inside BatchExecuteStatement
        "DuplicateItemException",
        "DuplicateItem",
        "TransactionCanceledException",
    }
)
_WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE"})


@dataclass(slots=True)
class Usage:
    """Billing units of some AWS calls; usages add up, so a run is the sum of its calls."""

    read_units: float = 0.0
    write_units: float = 0.0
    kinesis_put_units: int = 0
    requests: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)  # "service.Operation" -> calls

    def add(self, other: Usage) -> Usage:
        """Add `other` into this usage in place and return it. Not thread-safe: lock around it."""
        self.read_units += other.read_units
        self.write_units += other.write_units
        self.kinesis_put_units += other.kinesis_put_units
        self.requests += other.requests
        for name, calls in other.by_operation.items():
            self.by_operation[name] = self.by_operation.get(name, 0) + calls
        return self

    def copy(self) -> Usage:
        return Usage(
            self.read_units,
            self.write_units,
            self.kinesis_put_units,
            self.requests,
            dict(self.by_operation),
        )

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return self.copy().add(other)

    def __radd__(self, other: object) -> Usage:
        """`sum(usages)` starts from 0."""
        if other == 0:
            return self.copy()
        return NotImplemented

    def to_dict(self) -> dict[str, Any]:
        return {
            "read_units": self.read_units,
            "write_units": self.write_units,
            "kinesis_put_units": self.kinesis_put_units,
            "requests": self.requests,
            "by_operation": dict(sorted(self.by_operation.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        """The inverse of to_dict (usage crosses process boundaries as JSON)."""
        return cls(
            read_units=float(data.get("read_units", 0.0)),
            write_units=float(data.get("write_units", 0.0)),
            kinesis_put_units=int(data.get("kinesis_put_units", 0)),
            requests=int(data.get("requests", 0)),
            by_operation={str(k): int(v) for k, v in dict(data.get("by_operation", {})).items()},
        )


def meter_call(
    service: str, operation: str, params: Mapping[str, Any], response: Mapping[str, Any]
) -> Usage:
    """The units one call consumed. `service` is the endpoint prefix ("dynamodb", "kinesis",
    "sqs", ...); services other than DynamoDB and Kinesis count the request only."""
    usage = Usage(requests=1, by_operation={f"{service}.{operation}": 1})
    if service == "dynamodb":
        meter = _DYNAMODB.get(operation)
        if meter is not None and _charged(response):
            usage.read_units, usage.write_units = meter(params, response)
    elif service == "kinesis" and _error_code(response) is None:
        if operation == "PutRecords":
            results = response.get("Records") or []
            usage.kinesis_put_units = sum(
                kinesis_put_units(record)
                for index, record in enumerate(params.get("Records") or [])
                if not (index < len(results) and "ErrorCode" in results[index])
            )
        elif operation == "PutRecord":
            usage.kinesis_put_units = kinesis_put_units(params)
    return usage


# --- sizes -------------------------------------------------------------------------------------


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _blob_len(blob: Any) -> int:
    if isinstance(blob, bytes | bytearray | memoryview):
        return len(blob)
    return _utf8_len(str(blob))  # boto3 also accepts text for a blob and sends its UTF-8


def number_size(text: str) -> int:
    """The documented approximation: 1 byte per two significant digits, plus 1 byte."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return _utf8_len(text)
    if not value.is_finite():
        return _utf8_len(text)
    if value.is_zero():
        return 1
    digits = list(value.as_tuple().digits)  # no leading zeros; trailing ones trimmed below
    while digits and digits[-1] == 0:
        digits.pop()
    return math.ceil(len(digits) / 2) + 1


def attribute_value_size(value: AttributeValue) -> int:
    """Bytes of one attribute value, its name not included."""
    if "S" in value:
        return _utf8_len(value["S"])
    if "N" in value:
        return number_size(value["N"])
    if "B" in value:
        return _blob_len(value["B"])
    if "BOOL" in value or "NULL" in value:
        return 1
    if "L" in value:
        return 3 + sum(1 + attribute_value_size(element) for element in value["L"])
    if "M" in value:
        return 3 + sum(
            1 + _utf8_len(name) + attribute_value_size(element)
            for name, element in value["M"].items()
        )
    if "SS" in value:
        return sum(_utf8_len(element) for element in value["SS"])
    if "NS" in value:
        return sum(number_size(element) for element in value["NS"])
    if "BS" in value:
        return sum(_blob_len(element) for element in value["BS"])
    return 0


def item_size(item: Item) -> int:
    """Bytes of an item: names and values of all its attributes."""
    return sum(_utf8_len(name) + attribute_value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    """One read of `size` bytes: 4 KB units, at least one (a miss too); eventual reads half."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(size: int) -> int:
    """One write of an item of `size` bytes: 1 KB units, at least one."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def kinesis_put_units(record: Mapping[str, Any]) -> int:
    """PUT payload units of one record: 25 KB chunks of data blob plus partition key."""
    size = _blob_len(record.get("Data", b"")) + _utf8_len(str(record.get("PartitionKey", "")))
    return max(1, math.ceil(size / KINESIS_PUT_UNIT_BYTES))


# --- responses ---------------------------------------------------------------------------------


def _error_code(response: Mapping[str, Any]) -> str | None:
    error = response.get("Error")
    if not error:
        return None
    return str(error.get("Code", "Unknown"))


def _charged(response: Mapping[str, Any]) -> bool:
    code = _error_code(response)
    return code is None or code in _CHARGED_ERRORS


def _consistent(params: Mapping[str, Any]) -> bool:
    return bool(params.get("ConsistentRead", False))


# --- UpdateItem: the item after the update, estimated from the request -------------------------

_CLAUSE = re.compile(r"(?<![\w:#.])(SET|REMOVE|ADD|DELETE)(?!\w)", re.IGNORECASE)
_VALUE_PLACEHOLDER = re.compile(r":\w+")
_PATH_SEPARATOR = re.compile(r"[.\[]")


def _top_level_split(text: str) -> list[str]:
    """Split on commas outside parentheses and brackets (`if_not_exists(a, :b)` is one)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _attribute_name(path: str, names: Mapping[str, str]) -> str:
    """The top-level attribute a document path writes into (`#a.b[0]` -> the name of #a)."""
    head = _PATH_SEPARATOR.split(path.strip(), maxsplit=1)[0].strip()
    return names.get(head, head) if head.startswith("#") else head


def _assigned_values(
    expression: str, names: Mapping[str, str], values: Mapping[str, AttributeValue]
) -> dict[str, AttributeValue]:
    """Attribute -> value that SET and ADD actions write; a value named only in a condition is
    not stored, so it does not count. Several values in one action (`if_not_exists(#c, :z) +
    :i`) count as the largest of them."""
    assigned: dict[str, AttributeValue] = {}
    parts = _CLAUSE.split(expression)
    for keyword, body in zip(parts[1::2], parts[2::2], strict=True):
        if keyword.upper() not in ("SET", "ADD"):
            continue  # REMOVE and DELETE only shrink the item
        for action in _top_level_split(body):
            if keyword.upper() == "SET":
                path, equals, operand = action.partition("=")
                if not equals:
                    continue
            else:
                path, _, operand = action.partition(" ")
            name = _attribute_name(path, names)
            candidates = [values[p] for p in _VALUE_PLACEHOLDER.findall(operand) if p in values]
            if name and candidates:
                assigned[name] = max(candidates, key=attribute_value_size)
    return assigned


def _update_assignments(params: Mapping[str, Any]) -> dict[str, AttributeValue]:
    expression = params.get("UpdateExpression")
    if expression:
        return _assigned_values(
            str(expression),
            params.get("ExpressionAttributeNames") or {},
            params.get("ExpressionAttributeValues") or {},
        )
    updates: Mapping[str, Mapping[str, Any]] = params.get("AttributeUpdates") or {}
    return {
        name: update["Value"]
        for name, update in updates.items()
        if "Value" in update and update.get("Action", "PUT") in ("PUT", "ADD")
    }


def updated_item_size(params: Mapping[str, Any], response: Mapping[str, Any]) -> int:
    """Estimated size UpdateItem is billed for: the larger of the item before and after.

    The response holds the item only when ReturnValues asks for it, so the "after" item is
    estimated as the key plus the values the update expression writes; Attributes from the
    response replace the estimate where present (ALL_NEW: the whole item; ALL_OLD: the whole
    item before, which is also the base of "after"). The estimate errs low: attributes the
    update does not touch, and the size before an update that shrinks the item, are unknown.
    An ADD counts the size of its operand, not of the sum it stores, which can err either way
    by a byte or two.
    """
    key: Item = params.get("Key") or {}
    assigned = _update_assignments(params)
    returned: Item = response.get("Attributes") or {}
    mode = params.get("ReturnValues", "NONE")
    after: dict[str, AttributeValue] = {**key, **assigned}
    before: dict[str, AttributeValue] = {}
    if mode == "ALL_OLD":
        after = {**returned, **after}
        before = dict(returned)
    elif mode == "UPDATED_OLD":
        before = {**key, **returned}
    elif mode in ("ALL_NEW", "UPDATED_NEW"):
        after.update(returned)
    return max(item_size(after), item_size(before))


# --- PartiQL: the item a statement writes, from its parameters ---------------------------------

_STATEMENT_VERB = re.compile(r"^\s*(\w+)")
# Every `?` in order, with the name and operator before it when there is one:
# `'id': ?` and `"Value" = ?` store a value; `"Version" < ?` only compares.
_PARAMETER = re.compile(
    r"""(?:(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[A-Za-z_]\w*))\s*"""
    r"""(?P<op><>|<=|>=|=|<|>|:)\s*)?\?"""
)


def statement_verb(statement: str) -> str:
    match = _STATEMENT_VERB.match(statement)
    return match.group(1).upper() if match else ""


def statement_item_size(statement: str, parameters: Sequence[AttributeValue]) -> int:
    """Estimated size of the item a PartiQL write stores: each parameter assigned to a name
    (`'a': ?`, `"a" = ?`, which includes the key in WHERE) counts as that attribute; a
    parameter compared with `<`, `>`... is a condition and does not count; one with no name
    counts its value alone. Like UpdateItem's estimate, it cannot see untouched attributes."""
    named: dict[str, AttributeValue] = {}
    anonymous = 0
    for index, match in enumerate(_PARAMETER.finditer(statement)):
        if index >= len(parameters):
            break
        value = parameters[index]
        name = match.group("dq") or match.group("sq") or match.group("bare")
        operator = match.group("op")
        if name is None:
            anonymous += attribute_value_size(value)
        elif operator in ("=", ":"):
            named[name] = value
    return item_size(named) + anonymous


def _statement_units(
    statement: str,
    parameters: Sequence[AttributeValue],
    consistent: bool,
    items: Sequence[Item],
) -> tuple[float, float]:
    verb = statement_verb(statement)
    if verb == "SELECT":
        return _page_read_units(items, None, consistent), 0.0
    if verb in _WRITE_VERBS:
        return 0.0, float(write_units(statement_item_size(statement, parameters)))
    return 0.0, 0.0


# --- DynamoDB operations -----------------------------------------------------------------------

_Meter = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[float, float]]


def _page_read_units(items: Sequence[Item], scanned: int | None, consistent: bool) -> float:
    """Query and Scan: the total size of the page rounded up to 4 KB once, not per item.

    DynamoDB bills the items it evaluated; with a filter only the returned ones are visible, so
    their total is scaled by ScannedCount / Count. A page of nothing still costs one unit (the
    documentation says an empty result is charged, not how much).
    """
    total = sum(item_size(item) for item in items)
    if scanned is not None and items and scanned > len(items):
        total = math.ceil(total * scanned / len(items))
    return read_units(total, consistent)


def _get_item(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    # With a ProjectionExpression the response is smaller than the item billed; that only
    # matters past 4 KB.
    return read_units(item_size(response.get("Item") or {}), _consistent(params)), 0.0


def _put_item(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    size = item_size(params.get("Item") or {})
    old: Item = response.get("Attributes") or {}  # ReturnValues=ALL_OLD
    return 0.0, float(write_units(max(size, item_size(old))))


def _update_item(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    return 0.0, float(write_units(updated_item_size(params, response)))


def _delete_item(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    # The deleted item is visible only with ReturnValues=ALL_OLD; else the key: errs low.
    deleted: Item = response.get("Attributes") or params.get("Key") or {}
    return 0.0, float(write_units(item_size(deleted)))


def _scan_or_query(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    scanned = response.get("ScannedCount")
    return (
        _page_read_units(
            response.get("Items") or [],
            int(scanned) if scanned is not None else None,
            _consistent(params),
        ),
        0.0,
    )


def _batch_get_item(params: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[float, float]:
    """Each item as its own GetItem; keys not found still cost a read; unprocessed ones don't."""
    found: Mapping[str, Sequence[Item]] = response.get("Responses") or {}
    unprocessed: Mapping[str, Mapping[str, Any]] = response.get("UnprocessedKeys") or {}
    reads = 0.0
    for table, request in (params.get("RequestItems") or {}).items():
        consistent = _consistent(request)
        items = found.get(table) or []
        reads += sum(read_units(item_size(item), consistent) for item in items)
        skipped = len((unprocessed.get(table) or {}).get("Keys") or [])
        misses = max(0, len(request.get("Keys") or []) - len(items) - skipped)
        reads += misses * read_units(0, consistent)
    return reads, 0.0


def _write_request_size(request: Mapping[str, Any]) -> int:
    if "PutRequest" in request:
        return item_size(request["PutRequest"].get("Item") or {})
    if "DeleteRequest" in request:
        return item_size(request["DeleteRequest"].get("Key") or {})
    return 0


def _batch_write_item(
    params: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[float, float]:
    """Each item as its own PutItem or DeleteItem, except those returned as unprocessed."""
    unprocessed: Mapping[str, Sequence[Mapping[str, Any]]] = response.get("UnprocessedItems") or {}
    writes = 0
    for table, requests in (params.get("RequestItems") or {}).items():
        pending = list(unprocessed.get(table) or [])
        for request in requests:
            if request in pending:
                pending.remove(request)
                continue
            writes += write_units(_write_request_size(request))
    return 0.0, float(writes)


def _transaction_item_size(action: Mapping[str, Any]) -> int:
    if "Put" in action:
        return item_size(action["Put"].get("Item") or {})
    if "Update" in action:
        return updated_item_size(action["Update"], {})
    for kind in ("Delete", "ConditionCheck"):
        if kind in action:
            return item_size(action[kind].get("Key") or {})
    return 0


def _transact_write_items(
    params: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[float, float]:
    actions: Iterable[Mapping[str, Any]] = params.get("TransactItems") or []
    return 0.0, float(
        sum(TRANSACTION_FACTOR * write_units(_transaction_item_size(a)) for a in actions)
    )


def _transact_get_items(
    params: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[float, float]:
    results: Sequence[Mapping[str, Any]] = response.get("Responses") or []
    reads = 0.0
    for index, _ in enumerate(params.get("TransactItems") or []):
        item: Item = (results[index].get("Item") if index < len(results) else None) or {}
        reads += TRANSACTION_FACTOR * read_units(item_size(item), consistent=True)
    return reads, 0.0


def _execute_statement(
    params: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[float, float]:
    return _statement_units(
        str(params.get("Statement", "")),
        params.get("Parameters") or [],
        _consistent(params),
        response.get("Items") or [],
    )


def _batch_execute_statement(
    params: Mapping[str, Any], response: Mapping[str, Any]
) -> tuple[float, float]:
    """Each statement a single-item read or write, charged unless refused for a reason other
    than its condition (a DuplicateItem or ConditionalCheckFailed statement is charged)."""
    results: Sequence[Mapping[str, Any]] = response.get("Responses") or []
    reads = writes = 0.0
    for index, request in enumerate(params.get("Statements") or []):
        result = results[index] if index < len(results) else {}
        if not _charged(result):
            continue
        item: Item = result.get("Item") or {}
        statement_reads, statement_writes = _statement_units(
            str(request.get("Statement", "")),
            request.get("Parameters") or [],
            _consistent(request),
            [item] if item else [],
        )
        reads += statement_reads
        writes += statement_writes
    return reads, writes


# Operations not listed (DescribeTable, ListTables, ...) count the request only.
_DYNAMODB: dict[str, _Meter] = {
    "GetItem": _get_item,
    "PutItem": _put_item,
    "UpdateItem": _update_item,
    "DeleteItem": _delete_item,
    "Scan": _scan_or_query,
    "Query": _scan_or_query,
    "BatchGetItem": _batch_get_item,
    "BatchWriteItem": _batch_write_item,
    "TransactWriteItems": _transact_write_items,
    "TransactGetItems": _transact_get_items,
    "ExecuteStatement": _execute_statement,
    "BatchExecuteStatement": _batch_execute_statement,
}
