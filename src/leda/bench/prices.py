"""The one price table the benchmark prices units with: us-east-1, on-demand list prices.

Every cost figure the project prints comes from `PRICES`, so a price change is one edit here,
with its source and the day it was read. Free tiers are left out on purpose: the benchmark
reports the marginal cost of a message, which is what a busy account pays.

Where each number comes from, plainly (all read 2026-11-23 from stored copies of the pages;
the AWS pricing pages render their rate tables client-side, so the stored copies of
aws.amazon.com/*/pricing carry the rules but mostly not the figures):

- DynamoDB on-demand, $0.625 per million write request units and $0.125 per million read
  request units (Standard table class). AWS page: https://aws.amazon.com/dynamodb/pricing/on-demand/
  (its stored copy shows the unit definitions, not the rates). NOT confirmed on an AWS page:
  the figures come from secondary sources dated after AWS halved on-demand throughput prices
  on 2024-11-01 (e.g. https://airbyte.com/data-engineering-resources/dynamodb-pricing, 2025-07,
  "US East"), and they are exactly half of the older, widely quoted $1.25 / $0.25.
- Lambda, $0.20 per million requests and $0.0000166667 per GB-second (x86, first tier).
  AWS page: https://aws.amazon.com/lambda/pricing/ (table not in the stored copy). Confirmed
  by AWS's whitepaper https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html
  ("$0.20 per 1 million requests", "$0.00001667 for every GB-second", i.e. the same rate
  rounded); the unrounded $0.0000166667 for us-east-1 x86 is from secondary sources
  (e.g. https://cloudchipr.com/blog/aws-lambda-pricing).
- Kinesis Data Streams, provisioned mode: $0.015 per shard-hour and $0.014 per million PUT
  payload units. AWS page: https://aws.amazon.com/kinesis/data-streams/pricing/ (its stored
  copy defines the 25 KB PUT payload unit; the provisioned rate table is not in it). The
  shard-hour is confirmed first-hand by an AWS bill line for US East (N. Virginia), "$0.015 per
  provisioned shard-hour", quoted in
  https://github.com/amazon-archives/amazon-kinesis-data-visualization-sample/issues/5 (2018).
  The PUT payload unit price is NOT confirmed on an AWS page: it comes from secondary sources
  only (study guides, cost write-ups, an AWS Pricing Calculator estimate quoted in a public
  repository: "x 0.000000014 USD" per unit).
- SQS standard queue, $0.40 per million requests (first 100 billion a month).
  AWS page: https://aws.amazon.com/sqs/pricing/ (not in the corpus). NOT confirmed on an AWS
  page: from secondary sources stating us-east-1 prices, e.g.
  https://cloudburn.io/blog/amazon-sqs-pricing (2026-03) and
  https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/ (2026-06).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prices:
    """List prices in US dollars, with where and when they were read."""

    region: str
    read_on: str  # ISO date the sources were read
    sources: tuple[str, ...]
    dynamodb_write_request_units_per_million: float
    dynamodb_read_request_units_per_million: float
    lambda_requests_per_million: float
    lambda_gb_second: float  # x86
    kinesis_shard_hour: float  # provisioned mode
    kinesis_put_payload_units_per_million: float
    sqs_requests_per_million: float  # standard queue


PRICES = Prices(
    region="us-east-1",
    read_on="2026-11-23",
    sources=(
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        "https://aws.amazon.com/lambda/pricing/",
        "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",
        "https://aws.amazon.com/kinesis/data-streams/pricing/",
        "https://aws.amazon.com/sqs/pricing/",
    ),
    dynamodb_write_request_units_per_million=0.625,
    dynamodb_read_request_units_per_million=0.125,
    lambda_requests_per_million=0.20,
    lambda_gb_second=0.0000166667,
    kinesis_shard_hour=0.015,
    kinesis_put_payload_units_per_million=0.014,
    sqs_requests_per_million=0.40,
)
