"""Fixtures for the common library's unit tests: an in-process AWS mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gas_common import aws
from gas_tools.provision import provision
from moto import mock_aws


@pytest.fixture
def aws_mock(local_settings) -> Iterator:
    """In-process moto with every GAS resource provisioned; yields the settings."""
    with mock_aws():
        aws.reset_clients()
        provision(local_settings, echo=lambda line: None)
        yield local_settings
    aws.reset_clients()
