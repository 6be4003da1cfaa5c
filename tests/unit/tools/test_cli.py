"""The `gas` command finds the services' subcommands through the gas.commands entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner
from gas_tools import cli


def test_the_annotator_offers_its_commands_through_entry_points():
    offered = cli._offered()
    assert {"annotate", "reference"} <= set(offered)
    assert all(entry.module == "gas_annotator.cli" for entry in offered.values())
    listed = CliRunner().invoke(cli.main, ["--help"])
    assert listed.exit_code == 0
    for name in ("annotate", "reference", "provision", "up", "status", "settings"):
        assert f"  {name} " in listed.output


def test_an_offered_command_runs_as_its_own_package_defines_it():
    result = CliRunner().invoke(cli.main, ["reference", "--help"])
    assert result.exit_code == 0
    for sub in ("install", "build", "list"):
        assert f"  {sub} " in result.output


@pytest.fixture
def broken_offer(monkeypatch: pytest.MonkeyPatch) -> str:
    """A command offered by a package whose extra is not installed (its import fails)."""
    entry = EntryPoint(name="frobnicate", value="gas_nosuch.cli:frobnicate",
                       group=cli.COMMANDS)
    monkeypatch.setattr(cli, "_offered", lambda: {entry.name: entry})
    return entry.name


def test_a_command_whose_package_cannot_load_names_the_extra_to_install(broken_offer):
    listed = CliRunner().invoke(cli.main, ["--help"])
    assert "(needs the nosuch extra)" in listed.output
    result = CliRunner().invoke(cli.main, [broken_offer])
    assert result.exit_code != 0
    assert "needs the nosuch extra" in result.output
    assert "pip install -e '.[nosuch]'" in result.output


def test_gas_own_commands_win_over_an_offer_of_the_same_name(monkeypatch):
    entry = EntryPoint(name="status", value="gas_nosuch.cli:status", group=cli.COMMANDS)
    monkeypatch.setattr(cli, "_offered", lambda: {entry.name: entry})
    command = cli.main.get_command(None, "status")  # type: ignore[arg-type]
    assert command is cli.status
