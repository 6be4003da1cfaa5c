"""Start-up refusals, safe redirects and cookie flags."""

from __future__ import annotations

import pytest
from gas_common.settings import SettingsError
from gas_web import create_app
from gas_web.security import safe_next


@pytest.mark.parametrize("target,safe", [
    ("/annotations", True), ("//evil.example", False), ("https://evil.example/", False),
    ("/\\evil.example", False), (None, False),
])
def test_safe_next(app, target, safe):
    with app.test_request_context():
        assert (safe_next(target) == target) is safe


def test_local_signin_on_outside_local_refuses_to_start(moto_settings):
    s = moto_settings.model_copy(update={
        "env": "production", "local_signin": "on", "secret_key": "a-real-long-secret-value",
        "globus_client_id": "cid", "globus_client_secret": "a-real-globus-secret"})
    with pytest.raises(SettingsError, match="GAS_LOCAL_SIGNIN"):
        create_app(s)


@pytest.mark.parametrize("missing", ["globus_client_id", "globus_client_secret", "secret_key"])
def test_production_without_globus_or_secret_refuses_to_start(moto_settings, missing):
    values = {"env": "production", "secret_key": "a-real-long-secret-value",
              "globus_client_id": "cid", "globus_client_secret": "a-real-globus-secret"}
    values[missing] = ""
    with pytest.raises(SettingsError):
        create_app(moto_settings.model_copy(update=values))


def test_production_app_has_secure_cookie_and_no_local_signin(moto_settings):
    app = create_app(moto_settings.model_copy(update={
        "env": "production", "secret_key": "a-real-long-secret-value",
        "globus_client_id": "cid", "globus_client_secret": "a-real-globus-secret"}))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Globus" in page and "Sign in locally" not in page
    assert client.post("/auth/local", data={}).status_code in (400, 404)
    assert "Strict-Transport-Security" in client.get("/").headers
