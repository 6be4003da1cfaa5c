"""Settings: typed, fail fast, and the README documents every variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from gas_common.settings import Settings, SettingsError, env_names, get_settings
from gas_tools import readme

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_match_the_design():
    s = Settings()
    assert (s.inputs_bucket, s.results_bucket) == ("gas-inputs", "gas-results")
    assert (s.jobs_table, s.users_table) == ("gas-annotations", "gas-users")
    assert [s.port_of(n) for n in ("web", "annotator", "archiver", "thawer", "notifier")] == [
        8080, 8081, 8082, 8083, 8084]
    assert s.emulator_port == 4566 and s.free_retention_seconds == 300


def test_values_come_from_the_environment(local_settings, monkeypatch):
    monkeypatch.setenv("GAS_FREE_RETENTION_SECONDS", "7")
    monkeypatch.setenv("GAS_SNS_VERIFY_SIGNATURE", "false")
    get_settings.cache_clear()
    s = get_settings()
    assert s.free_retention_seconds == 7 and s.sns_verify_signature is False


def test_a_bad_value_fails_fast_naming_the_variable(local_settings, monkeypatch):
    monkeypatch.setenv("GAS_WEB_PORT", "eighty")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="GAS_WEB_PORT"):
        get_settings()


@pytest.mark.parametrize("secret", ["", "change-me", "secret"])
def test_production_refuses_missing_or_placeholder_secrets(secret):
    s = Settings(env="production", sns_shared_secret=secret, secret_key=secret)
    with pytest.raises(SettingsError, match="GAS_SNS_SHARED_SECRET"):
        s.require_sns_auth()
    with pytest.raises(SettingsError, match="GAS_SECRET_KEY"):
        s.require("secret_key")


def test_production_accepts_real_secrets():
    s = Settings(env="production", sns_shared_secret="a-real-long-random-value")
    s.require_sns_auth()


def test_local_mode_allows_empty_secrets():
    Settings(env="local").require("secret_key", "sns_shared_secret")


def test_unauthenticated_sns_is_refused():
    s = Settings(env="local", sns_basic_auth=False, sns_verify_signature=False)
    with pytest.raises(SettingsError):
        s.require_sns_auth()


def test_readme_configuration_table_matches_the_settings_module():
    text = (ROOT / "README.md").read_text()
    assert readme.render(text) == text, "run `make docs` to regenerate the README table"
    for name in env_names():
        assert f"`{name}`" in text
