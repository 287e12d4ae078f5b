"""An event source mapping's settings, named and defaulted as in Lambda's API."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SourceKind(StrEnum):
    KINESIS = "kinesis"
    DYNAMODB = "dynamodb"


class StartingPosition(StrEnum):
    LATEST = "LATEST"
    TRIM_HORIZON = "TRIM_HORIZON"


REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# The region events and on-failure records name when the deployment names none (the stacks'
# own: aws:region in Pulumi.<stack>.yaml; the emulators are reached as us-east-1 too).
DEFAULT_REGION = "us-east-1"

# Lambda polls a DynamoDB stream shard four times a second and a Kinesis shard once a second.
POLL_INTERVAL_SECONDS = {SourceKind.DYNAMODB: 0.25, SourceKind.KINESIS: 1.0}


class MappingConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class MappingConfig:
    name: str
    function: str
    source_kind: SourceKind
    source_arn: str
    batch_size: int = 100
    batching_window_seconds: float = 0
    starting_position: StartingPosition = StartingPosition.LATEST
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect_on_error: bool = False
    parallelization_factor: int = 1
    function_response_types: tuple[str, ...] = ()
    on_failure_destination: str | None = None  # an SQS queue ARN
    enabled: bool = True
    poll_interval_seconds: float | None = field(default=None)
    # The stack's region: events' awsRegion and the region in every ARN they and the on-failure
    # records carry (an event source mapping lives in one region, with its stream and function).
    region: str = DEFAULT_REGION

    def __post_init__(self) -> None:
        # Accept the API's plain strings; compare as enum members from here on.
        object.__setattr__(self, "source_kind", SourceKind(self.source_kind))
        object.__setattr__(self, "starting_position", StartingPosition(self.starting_position))
        object.__setattr__(self, "function_response_types", tuple(self.function_response_types))
        limit = 10_000
        if not 1 <= self.batch_size <= limit:
            raise MappingConfigError(f"{self.name}: BatchSize {self.batch_size} is not 1-{limit}")
        if not 0 <= self.batching_window_seconds <= 300:
            raise MappingConfigError(f"{self.name}: MaximumBatchingWindowInSeconds is not 0-300")
        if self.maximum_retry_attempts != -1 and not 0 <= self.maximum_retry_attempts <= 10_000:
            raise MappingConfigError(f"{self.name}: MaximumRetryAttempts is not -1 or 0-10000")
        if self.maximum_record_age_seconds != -1 and not (
            60 <= self.maximum_record_age_seconds <= 604_800
        ):
            raise MappingConfigError(
                f"{self.name}: MaximumRecordAgeInSeconds is not -1 or 60-604800"
            )
        if self.parallelization_factor != 1:
            # Lambda allows 1-10; offline we keep one batch in flight per shard (order per shard).
            raise MappingConfigError(
                f"{self.name}: ParallelizationFactor {self.parallelization_factor} is not "
                "supported offline; allowed: 1"
            )

    @property
    def reports_item_failures(self) -> bool:
        return REPORT_BATCH_ITEM_FAILURES in self.function_response_types

    @property
    def poll_interval(self) -> float:
        if self.poll_interval_seconds is not None:
            return self.poll_interval_seconds
        return POLL_INTERVAL_SECONDS[self.source_kind]
