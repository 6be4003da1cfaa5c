"""Create or verify every AWS resource GAS uses; idempotent, emulator or real AWS."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.settings import Settings, get_settings
from gas_common.stores import USER_INDEX

log = logging.getLogger(__name__)

# (topic setting, service, endpoint path): who listens to what (DESIGN.md "Messages").
SUBSCRIPTIONS = (
    ("job_requests_topic", "annotator", "/sns/job-requests"),
    ("job_results_topic", "archiver", "/sns/job-results"),
    ("job_results_topic", "notifier", "/sns/job-results"),
    ("thaw_requests_topic", "thawer", "/sns/thaw-requests"),
    ("restore_results_topic", "thawer", "/sns/restore-results"),
)
RESTORE_NOTICE_SID = "gas-restore-notices"
TOPICS = ("job_requests_topic", "job_results_topic", "thaw_requests_topic",
          "restore_results_topic")


@dataclass
class Step:
    """One resource: how to tell it is there, and how to make it so."""

    what: str
    present: Callable[[], bool]
    create: Callable[[], Any]


def subscription_url(settings: Settings, service: str, path: str, masked: bool = False) -> str:
    """The endpoint URL SNS posts to, with the shared secret as basic auth when enabled."""
    parts = urlsplit(settings.url_of(service).rstrip("/") + path)
    if not settings.sns_basic_auth:
        return urlunsplit(parts)
    secret = "****" if masked else quote(settings.sns_shared_secret, safe="")
    netloc = f"{quote(settings.sns_username, safe='')}:{secret}@{parts.netloc}"
    return urlunsplit(parts._replace(netloc=netloc))


def _bind(fn: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
    return lambda: fn(**kwargs)


def _answer(call: Callable[[], Any]) -> Any | None:
    """What `call` answers, or None when AWS says its resource is not there."""
    try:
        return call()
    except ClientError as exc:
        if aws.is_not_found(exc):
            return None
        raise


def _answers(call: Callable[[], Any]) -> Callable[[], bool]:
    """A presence check: does `call` find its resource?"""
    return lambda: _answer(call) is not None


def plan(settings: Settings | None = None) -> list[Step]:
    """Every resource in creation order."""
    s = settings or get_settings()
    return [*bucket_steps(s), *table_steps(s), *topic_steps(s), *subscription_steps(s),
            *restore_notice_steps(s), *cold_storage_steps(s), *email_steps(s)]


def bucket_steps(s: Settings) -> list[Step]:
    """The inputs and results buckets (private, encrypted), and the archive bucket when
    cold storage is S3 Glacier; the browser uploads to the inputs bucket (CORS)."""
    s3 = aws.client("s3", s)

    def make_bucket(name: str, cors: bool) -> None:
        kwargs: dict[str, Any] = {"Bucket": name}
        if s.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": s.aws_region}
        s3.create_bucket(**kwargs)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        if cors:
            # The browser posts uploads straight to S3 from the web UI's origin.
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
                "AllowedOrigins": [s.public_url.rstrip("/")],
                "AllowedMethods": ["POST", "GET"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag", "Location"],
                "MaxAgeSeconds": 3000}]})

    buckets = [(s.inputs_bucket, True), (s.results_bucket, False)]
    if s.cold_storage == "s3-glacier":
        buckets.append((s.archive_bucket, False))
    return [Step(f"bucket {name}", _answers(_bind(s3.head_bucket, Bucket=name)),
                 _bind(make_bucket, name=name, cors=cors))
            for name, cors in buckets]


def table_steps(s: Settings) -> list[Step]:
    """The jobs table with its per-user index, and the users table."""
    ddb = aws.client("dynamodb", s)

    def make_table(name: str, **layout: Any) -> None:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **layout)
        ddb.get_waiter("table_exists").wait(TableName=name)

    jobs = _bind(
        make_table, name=s.jobs_table,
        AttributeDefinitions=[
            {"AttributeName": "job_id", "AttributeType": "S"},
            {"AttributeName": "user_id", "AttributeType": "S"},
            {"AttributeName": "submit_time", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": USER_INDEX,
            "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"},
                          {"AttributeName": "submit_time", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )
    users = _bind(
        make_table, name=s.users_table,
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
    )

    def table_exists(name: str) -> Callable[[], bool]:
        return _answers(_bind(ddb.describe_table, TableName=name))

    return [Step(f"table {s.jobs_table} (+ {USER_INDEX})", table_exists(s.jobs_table), jobs),
            Step(f"table {s.users_table}", table_exists(s.users_table), users)]


def topic_steps(s: Settings) -> list[Step]:
    """One SNS topic per message stream (TOPICS)."""
    sns = aws.client("sns", s)
    steps = []
    for setting in TOPICS:
        name = getattr(s, setting)
        present = _answers(_bind(sns.get_topic_attributes, TopicArn=aws.topic_arn(name, s)))
        steps.append(Step(f"topic {name}", present, _bind(sns.create_topic, Name=name)))
    return steps


def subscription_steps(s: Settings) -> list[Step]:
    """Each service's HTTP endpoint subscribed to the topics it listens to (SUBSCRIPTIONS)."""
    sns = aws.client("sns", s)

    def subscribed(topic: str, urls: tuple[str, str]) -> Callable[[], bool]:
        def endpoints() -> list[str]:
            paginator = sns.get_paginator("list_subscriptions_by_topic")
            return [sub["Endpoint"]
                    for page in paginator.paginate(TopicArn=aws.topic_arn(topic, s))
                    for sub in page["Subscriptions"]]
        # a missing topic (still to be created) has no subscriptions
        return lambda: any(url in urls for url in _answer(endpoints) or [])

    steps = []
    for setting, service, path in SUBSCRIPTIONS:
        topic = getattr(s, setting)
        url = subscription_url(s, service, path)
        masked = subscription_url(s, service, path, masked=True)
        steps.append(Step(
            f"subscription {topic} -> {masked}",
            subscribed(topic, (url, masked)),
            _bind(sns.subscribe, TopicArn=aws.topic_arn(topic, s),
                  Protocol=urlsplit(url).scheme, Endpoint=url, ReturnSubscriptionArn=True),
        ))
    return steps


def restore_notice_steps(s: Settings) -> list[Step]:
    """Let S3 and Glacier publish restore completions to the restore-results topic."""
    s3, sns = aws.client("s3", s), aws.client("sns", s)
    topic = aws.topic_arn(s.restore_results_topic, s)
    account = topic.split(":")[4]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": RESTORE_NOTICE_SID,
        "Effect": "Allow",
        "Principal": {"Service": ["s3.amazonaws.com", "glacier.amazonaws.com"]},
        "Action": "SNS:Publish",
        "Resource": topic,
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }]}

    def policy_present() -> bool:
        answer = _answer(_bind(sns.get_topic_attributes, TopicArn=topic))
        return answer is not None and RESTORE_NOTICE_SID in answer["Attributes"].get("Policy", "")

    steps = [Step(f"topic policy {s.restore_results_topic} (S3 and Glacier may publish)",
                  policy_present,
                  _bind(sns.set_topic_attributes, TopicArn=topic, AttributeName="Policy",
                        AttributeValue=json.dumps(policy)))]
    if s.cold_storage != "s3-glacier":
        return steps  # vault retrievals name the topic in each job instead

    def notice_present() -> bool:
        config = _answer(_bind(s3.get_bucket_notification_configuration,
                               Bucket=s.archive_bucket))
        return config is not None and any(
            c.get("TopicArn") == topic for c in config.get("TopicConfigurations", []))

    steps.append(Step(
        f"bucket {s.archive_bucket} ObjectRestore:Completed -> {s.restore_results_topic}",
        notice_present,
        _bind(s3.put_bucket_notification_configuration, Bucket=s.archive_bucket,
              NotificationConfiguration={"TopicConfigurations": [
                  {"TopicArn": topic, "Events": ["s3:ObjectRestore:Completed"]}]}),
    ))
    return steps


def cold_storage_steps(s: Settings) -> list[Step]:
    """The Glacier vault, when cold storage is a vault (the S3 Glacier bucket is a bucket)."""
    if s.cold_storage != "glacier-vault":
        return []
    glacier = aws.client("glacier", s)
    return [Step(f"glacier vault {s.glacier_vault}",
                 _answers(_bind(glacier.describe_vault, vaultName=s.glacier_vault)),
                 _bind(glacier.create_vault, vaultName=s.glacier_vault))]


def email_steps(s: Settings) -> list[Step]:
    """The notifier's sender address, verified in SES."""
    ses = aws.client("ses", s)

    def sender_verified() -> bool:
        ids = ses.list_identities(IdentityType="EmailAddress")["Identities"]
        return s.mail_sender in ids

    return [Step(f"SES sender {s.mail_sender}", sender_verified,
                 _bind(ses.verify_email_identity, EmailAddress=s.mail_sender))]


def provision(
    settings: Settings | None = None, dry_run: bool = False, echo: Callable[[str], Any] = print
) -> int:
    """Create what is missing; return how many resources were (or would be) created."""
    changes = 0
    for step in plan(settings):
        if step.present():
            echo(f"  ok      {step.what}")
            continue
        changes += 1
        if dry_run:
            echo(f"  create  {step.what}  (dry run)")
        else:
            step.create()
            echo(f"  created {step.what}")
    if changes == 0:
        echo("no changes: every resource is in place")
    else:
        echo(f"{changes} resource(s) {'to create' if dry_run else 'created'}")
    return changes
