"""`gas provision`: every kind of resource in creation order, created once, then left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gas_common import aws
from gas_common.settings import Settings
from gas_tools.provision import SUBSCRIPTIONS, TOPICS, plan, provision
from moto import mock_aws


@pytest.fixture
def empty_aws(local_settings: Settings) -> Iterator[Settings]:
    with mock_aws():
        aws.reset_clients()
        yield local_settings.model_copy(update={"sns_shared_secret": "s3cret/+"})
    aws.reset_clients()


def kinds(settings: Settings) -> list[str]:
    """The kind of each planned step (its first word), in order, runs of one kind folded."""
    out: list[str] = []
    for step in plan(settings):
        kind = "topic policy" if step.what.startswith("topic policy") else step.what.split()[0]
        if not out or out[-1] != kind:
            out.append(kind)
    return out


def test_s3_glacier_plan_in_creation_order(empty_aws: Settings):
    s = empty_aws.model_copy(update={"cold_storage": "s3-glacier"})
    assert kinds(s) == ["bucket", "table", "topic", "subscription", "topic policy", "bucket",
                        "SES"]
    whats = [step.what for step in plan(s)]
    assert whats[:3] == [f"bucket {s.inputs_bucket}", f"bucket {s.results_bucket}",
                         f"bucket {s.archive_bucket}"]
    assert sum(w.startswith("topic gas-") for w in whats) == len(TOPICS)
    assert sum(w.startswith("subscription ") for w in whats) == len(SUBSCRIPTIONS)
    assert any("ObjectRestore:Completed" in w for w in whats)
    assert not any(w.startswith("glacier vault") for w in whats)
    assert all("s3cret" not in w for w in whats)  # the secret is masked in what is printed


def test_glacier_vault_plan_has_the_vault_and_no_archive_bucket(empty_aws: Settings):
    s = empty_aws.model_copy(update={"cold_storage": "glacier-vault"})
    assert kinds(s) == ["bucket", "table", "topic", "subscription", "topic policy", "glacier",
                        "SES"]
    assert not any(step.what.startswith(f"bucket {s.archive_bucket}") for step in plan(s))


@pytest.mark.parametrize("cold", ["s3-glacier", "glacier-vault"])
def test_dry_run_changes_nothing_then_provision_creates_all_once(empty_aws: Settings, cold):
    s = empty_aws.model_copy(update={"cold_storage": cold})
    steps = len(plan(s))
    lines: list[str] = []
    assert provision(s, dry_run=True, echo=lines.append) == steps
    assert lines[-1] == f"{steps} resource(s) to create"
    assert all(line.endswith("(dry run)") for line in lines[:-1])
    assert provision(s, dry_run=True, echo=lambda line: None) == steps  # still nothing made
    assert provision(s, echo=lines.append) == steps
    assert all(step.present() for step in plan(s))
    again: list[str] = []
    assert provision(s, echo=again.append) == 0
    assert again[-1] == "no changes: every resource is in place"
    aws.client("dynamodb", s).delete_table(TableName=s.users_table)
    assert provision(s, dry_run=True, echo=lambda line: None) == 1
