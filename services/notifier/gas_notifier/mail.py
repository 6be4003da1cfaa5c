"""Senders behind one interface: SES (default) and SMTP, chosen by GAS_MAIL_BACKEND."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError
from gas_common import aws
from gas_common.settings import Settings

# SES errors that no retry can fix (the address or the sender is refused).
SES_PERMANENT = {"MessageRejected", "MailFromDomainNotVerifiedException",
                 "ConfigurationSetDoesNotExist", "AccountSendingPausedException",
                 "InvalidParameterValue"}


@dataclass(frozen=True)
class Email:
    """One rendered email: who to, subject, and both bodies."""

    to: str
    subject: str
    text: str
    html: str


class SendError(Exception):
    """A send that did not go through; `permanent` means retrying cannot help."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Sender(Protocol):
    """Anything that can send one Email or raise SendError."""

    def send(self, email: Email) -> None: ...


class SesSender:
    """Send through SES `send_email` with a Text and an Html part."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def send(self, email: Email) -> None:
        """Send one email through SES."""
        content = {"Charset": "UTF-8"}
        try:
            aws.client("ses", self.settings).send_email(
                Source=self.settings.mail_sender,
                Destination={"ToAddresses": [email.to]},
                Message={
                    "Subject": {"Data": email.subject, **content},
                    "Body": {"Text": {"Data": email.text, **content},
                             "Html": {"Data": email.html, **content}},
                },
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise SendError(f"SES {code}: {exc}", permanent=code in SES_PERMANENT) from None
        except BotoCoreError as exc:
            raise SendError(f"SES unreachable: {exc}") from None


class SmtpSender:
    """Send through an SMTP server as multipart/alternative (plain text + HTML)."""

    def __init__(self, settings: Settings, timeout: float = 30):
        self.settings = settings
        self.timeout = timeout

    def message(self, email: Email) -> EmailMessage:
        """Build the MIME message for one email."""
        msg = EmailMessage()
        msg["From"] = self.settings.mail_sender
        msg["To"] = email.to
        msg["Subject"] = email.subject
        msg["Message-ID"] = make_msgid(domain=self.settings.mail_sender.rpartition("@")[2]
                                       or None)
        msg.set_content(email.text)
        msg.add_alternative(email.html, subtype="html")
        return msg

    def send(self, email: Email) -> None:
        """Send one email over SMTP (STARTTLS and login when configured)."""
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(self.message(email))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendError(f"SMTP refused the recipient: {codes}",
                            permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            reason = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise SendError(f"SMTP {exc.smtp_code}: {reason}",
                            permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPNotSupportedError as exc:
            # STARTTLS (or AUTH) configured but not offered: never fall back to clear text.
            raise SendError(f"SMTP server lacks what is configured: {exc}",
                            permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP failed: {exc}") from None


def make_sender(settings: Settings) -> Sender:
    """The sender GAS_MAIL_BACKEND names."""
    if settings.mail_backend == "smtp":
        return SmtpSender(settings)
    return SesSender(settings)
