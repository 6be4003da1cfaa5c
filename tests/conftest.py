"""Fixtures shared by every test; tests never talk to real AWS."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from gas_common import aws
from gas_common.settings import get_settings

# Dummy credentials so that no test can ever reach a real account.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "gas-test",
    "AWS_SECRET_ACCESS_KEY": "gas-test",
    "AWS_DEFAULT_REGION": "us-east-1",
})
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ.pop("AWS_PROFILE", None)

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"


# Each of these test folders carries the marker of the same name (`pytest -m e2e`, ...).
MARKED_FOLDERS = ("integration", "e2e", "containers")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(ROOT / "tests").parts[0]
        if folder in MARKED_FOLDERS:
            item.add_marker(getattr(pytest.mark, folder))


@pytest.fixture(scope="session")
def test_reference() -> Iterator[Path]:
    """A small reference bundle built from the repo's generated GTF, for the annotator.

    Installed beside it (the stack's GAS_REFERENCE_DIR): the same genes labelled GRCh37,
    which the annotator picks for inputs that say they are GRCh37.
    """
    from gas_annotator.reference.custom import build_custom

    gtf = ROOT / "tests" / "data" / "annotator" / "reference.gtf"
    # Our own temp dir: pytest prunes old basetemp dirs when other sessions start.
    with tempfile.TemporaryDirectory(prefix="gas-reference-") as reference_dir:
        build_custom(gtf, "gtf", Path(reference_dir) / "gas-test37", "gas-test37", "GRCh37")
        yield build_custom(gtf, "gtf", Path(reference_dir) / "gas-test", "gas-test").resolve()


@pytest.fixture(scope="session")
def gas_stack(test_reference: Path, worker_id: str) -> Iterator:
    """The whole embedded stack (moto + five services) for this test process."""
    from tests.harness import GasStack

    for attempt in (1, 2):
        # Free ports are picked by binding to port 0 and letting go: another process can
        # take one before our service binds it, so a failed start is tried once more.
        stack = GasStack(OUTPUT / "logs" / worker_id,
                         extra_env={"GAS_REFERENCE": str(test_reference),
                                    "GAS_REFERENCE_DIR": str(test_reference.parent)})
        try:
            stack.start()
            break
        except Exception:
            stack.stop()
            if attempt == 2:
                raise
    yield stack
    stack.stop()


@pytest.fixture
def stack(gas_stack) -> Iterator:
    """The running stack, emptied before the test."""
    gas_stack.reset()
    yield gas_stack


@pytest.fixture
def local_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """get_settings() in this process: local mode, clean of outside GAS_* variables."""
    for key in list(os.environ):
        if key.startswith("GAS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GAS_ENV", "local")
    get_settings.cache_clear()
    aws.reset_clients()
    yield get_settings()
    get_settings.cache_clear()
    aws.reset_clients()


@pytest.fixture
def aws_mock(local_settings) -> Iterator:
    """In-process moto with every GAS resource provisioned; yields the settings."""
    from gas_tools.provision import provision
    from moto import mock_aws

    with mock_aws():
        aws.reset_clients()
        provision(local_settings, echo=lambda line: None)
        yield local_settings
    aws.reset_clients()


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every message services publish, kept here instead of sent (no subscriber in-process)."""
    sent: list = []

    def keep(message, topic, settings) -> str:
        sent.append(message)
        return f"message-{len(sent)}"

    monkeypatch.setattr("gas_common.publish._send", keep)
    return sent
