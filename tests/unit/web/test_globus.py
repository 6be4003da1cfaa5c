"""Globus Auth sign-in and sign-out, with the HTTP layer mocked (globus_sdk.testing)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from gas_common.jobstates import FREE
from gas_common.stores import UserStore
from globus_sdk.testing import load_response

from tests.unit.web.conftest import csrf_of

CLIENT_ID = "9b0c1d2e-0000-4000-8000-00000000c1d0"
IDENTITY = "a1b2c3d4-1111-4222-8333-444455556666"
INTROSPECT = "https://auth.globus.org/v2/oauth2/token/introspect"


@pytest.fixture
def web_overrides():
    return {"globus_client_id": CLIENT_ID, "globus_client_secret": "globus-test-client-secret"}


@pytest.fixture
def globus_http():
    """Every request to Globus answered by the mock; anything unregistered fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def introspection(mock, active=True, audience=(CLIENT_ID,), sub=IDENTITY):
    mock.add(responses.POST, INTROSPECT, json={
        "active": active, "sub": sub, "email": "rosalind@example.org",
        "name": "Rosalind Franklin", "aud": list(audience), "scope": "openid email profile",
        "client_id": CLIENT_ID, "exp": 4102444800})


def start(client):
    answer = client.post("/auth/globus", data={"csrf_token": csrf_of(client, "/auth/login"),
                                               "next": "/annotations"})
    assert answer.status_code == 302
    url = urlsplit(answer.headers["Location"])
    assert url.netloc == "auth.globus.org"
    return parse_qs(url.query)


def test_login_page_offers_globus(client):
    assert b"Sign in with Globus" in client.get("/auth/login").data


def test_authorize_url_has_scopes_state_and_callback(client):
    query = start(client)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://127.0.0.1:8080/auth/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert len(query["state"][0]) > 20


def test_first_sign_in_creates_user_then_sign_out_revokes(client, settings, globus_http):
    state = start(client)["state"][0]
    load_response("auth.oauth2_exchange_code_for_tokens", case="openid", requests_mock=globus_http)
    introspection(globus_http)
    answer = client.get(f"/auth/callback?code=the-code&state={state}")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/profile/edit")
    token_call = next(c for c in globus_http.calls if c.request.url.endswith("/v2/oauth2/token"))
    body = parse_qs(token_call.request.body)
    assert body["code"] == ["the-code"] and body["grant_type"] == ["authorization_code"]
    user = UserStore(settings).get(IDENTITY)
    assert user["role"] == FREE and user["email"] == "rosalind@example.org"
    assert client.get("/profile").status_code == 200

    load_response("auth.oauth2_revoke_token", requests_mock=globus_http)
    client.post("/auth/logout", data={"csrf_token": csrf_of(client)})
    revoked = [parse_qs(c.request.body)["token"][0] for c in globus_http.calls
               if c.request.url.endswith("/revoke")]
    assert revoked == ["auth_access_token"]
    assert client.get("/profile").status_code == 302


def test_returning_user_goes_where_they_were_going(client, settings, globus_http):
    UserStore(settings).create(IDENTITY, "Rosalind", "r@example.org", "King's College")
    state = start(client)["state"][0]
    load_response("auth.oauth2_exchange_code_for_tokens", case="openid", requests_mock=globus_http)
    introspection(globus_http)
    answer = client.get(f"/auth/callback?code=c&state={state}")
    assert answer.headers["Location"] == "/annotations"


def test_callback_with_wrong_state_signs_nobody_in(client, settings, globus_http):
    start(client)
    answer = client.get("/auth/callback?code=c&state=forged")
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/login"
    assert not globus_http.calls and UserStore(settings).get(IDENTITY) is None


def test_refused_code_is_explained(client, globus_http):
    state = start(client)["state"][0]
    load_response("auth.oauth2_exchange_code_for_tokens", case="invalid_grant",
                  requests_mock=globus_http)
    answer = client.get(f"/auth/callback?code=old&state={state}", follow_redirects=True)
    assert b"Globus did not accept the sign-in" in answer.data
    assert client.get("/profile").status_code == 302


def test_cancelled_sign_in(client):
    start(client)
    answer = client.get("/auth/callback?error=access_denied", follow_redirects=True)
    assert b"cancelled" in answer.data
