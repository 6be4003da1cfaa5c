"""The SMTP sender against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from gas_notifier.delivery import Notifier
from gas_notifier.mail import Email, SendError, SmtpSender

from tests.unit.notifier.fakes import EMAIL, JOB_ID, USER_ID, make_job, make_user
from tests.unit.notifier.smtpd import Inbox, only, self_signed, smtp_server, tls_context

MAIL = Email(to="ann@example.org", subject="GAS: results ready for a.vcf",
             text="plain body", html="<p>html body</p>")


def smtp_settings(settings, controller, **more):
    return settings.model_copy(update={
        "mail_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": controller.port,
        "smtp_starttls": False, **more})


def test_sends_multipart_alternative_with_both_bodies(settings):
    inbox = Inbox()
    with smtp_server(inbox) as server:
        SmtpSender(smtp_settings(settings, server)).send(MAIL)
    [msg] = inbox.messages
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "ann@example.org" and msg["From"] == settings.mail_sender
    assert msg["Subject"] == MAIL.subject
    assert msg.get_body(("plain",)).get_content().strip() == "plain body"
    assert msg.get_body(("html",)).get_content().strip() == "<p>html body</p>"
    assert inbox.envelopes[0].rcpt_tos == ["ann@example.org"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # test server only
def test_logs_in_with_the_configured_credentials(settings):
    inbox = Inbox()
    auth = {"authenticator": only("gas", "s3cret"), "auth_require_tls": False,
            "auth_required": True}
    with smtp_server(inbox, **auth) as server:
        with pytest.raises(SendError) as anonymous:  # the server insists on a login
            SmtpSender(smtp_settings(settings, server), timeout=5).send(MAIL)
        SmtpSender(smtp_settings(settings, server, smtp_username="gas",
                                 smtp_password="s3cret"), timeout=5).send(MAIL)
    assert len(inbox.messages) == 1
    assert anonymous.value.permanent  # 530: retrying without credentials cannot help


def test_refused_first_attempt_is_retried_and_delivered_once(settings, jobs, users):
    make_job(jobs)
    make_user(users)
    inbox = Inbox(refusals=1)
    with smtp_server(inbox) as server:
        s = smtp_settings(settings, server)
        assert Notifier(s).deliver("completed", JOB_ID, USER_ID) == "sent"
        assert Notifier(s).deliver("completed", JOB_ID, USER_ID) == "duplicate"
    assert inbox.attempts == 2
    assert [m["To"] for m in inbox.messages] == [EMAIL]
    assert f"/annotations/{JOB_ID}" in inbox.messages[0].get_body(("html",)).get_content()


def test_a_permanent_refusal_is_not_retried(settings, jobs, users):
    make_job(jobs)
    make_user(users)
    inbox = Inbox(refusals=5, refuse_with="554 5.7.1 Rejected")
    with smtp_server(inbox) as server:
        assert Notifier(smtp_settings(settings, server)).deliver(
            "completed", JOB_ID, USER_ID) == "failed"
    assert inbox.attempts == 1 and inbox.messages == []


def test_an_unreachable_server_is_a_transient_failure(settings):
    from tests.harness import free_port

    s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                    "smtp_starttls": False})
    with pytest.raises(SendError) as failed:
        SmtpSender(s, timeout=2).send(MAIL)
    assert not failed.value.permanent


def test_starttls_encrypts_and_verifies_the_server(settings, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    inbox = Inbox()
    options = {"tls_context": tls_context(cert, key), "require_starttls": True}
    with smtp_server(inbox, **options) as server:
        s = smtp_settings(settings, server, smtp_starttls=True)
        with pytest.raises(SendError):  # a certificate nobody vouches for is refused
            SmtpSender(s, timeout=5).send(MAIL)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now the test CA is trusted
        SmtpSender(s, timeout=5).send(MAIL)
    assert len(inbox.messages) == 1
    assert inbox.envelopes[0].rcpt_tos == ["ann@example.org"]


def test_starttls_required_but_not_offered_sends_nothing_in_clear(settings):
    inbox = Inbox()
    with smtp_server(inbox) as server:
        with pytest.raises(SendError) as refused:
            SmtpSender(smtp_settings(settings, server, smtp_starttls=True), timeout=5).send(MAIL)
    assert refused.value.permanent
    assert inbox.messages == []
