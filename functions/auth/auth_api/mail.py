"""Outgoing mail: Amazon SES in AWS, an outbox folder locally (MAIL_OUTBOX_DIR).

boto3 is imported inside `send`, never at module import: importing botocore costs ~300 ms of cold start
on every auth invocation, and only forgot-password sends mail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from farm_erp import clock
from farm_erp.observability import logger
from farm_erp.settings import get_settings


class MailError(Exception):
    """The message could not be handed to SES (the text never contains the message body)."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def reset_mail(to: str, link: str, valid_minutes: int) -> Mail:
    text = (
        "Someone asked to reset the password of your Farm ERP account.\n\n"
        f"Open this link within {valid_minutes} minutes to choose a new password:\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    return Mail(to=to, subject="Reset your Farm ERP password", text=text)


def send(mail: Mail) -> None:
    """Deliver one message. Only the recipient and subject are logged: the body carries a live token."""
    s = get_settings()
    if s.mail_outbox_dir:
        path = _write_outbox(Path(s.mail_outbox_dir), s.ses_from_address, mail)
        logger.info("mail written to outbox", extra={"to": mail.to, "subject": mail.subject, "path": str(path)})
        return
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.client("ses", region_name=s.aws_region)
        response = client.send_email(
            Source=s.ses_from_address,
            Destination={"ToAddresses": [mail.to]},
            Message={
                "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": mail.text, "Charset": "UTF-8"}},
            },
        )
    except (BotoCoreError, ClientError) as exc:
        raise MailError(f"SES refused the message: {type(exc).__name__}") from None
    logger.info("mail sent", extra={"to": mail.to, "subject": mail.subject, "message_id": response.get("MessageId")})


def _write_outbox(folder: Path, sender: str, mail: Mail) -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = clock.now().strftime("%a, %d %b %Y %H:%M:%S %z")
    # 8bit keeps the link on one line, so a developer can copy it from the file.
    msg.set_content(mail.text, cte="8bit")
    folder.mkdir(parents=True, exist_ok=True)
    # Wall-clock name (not the injectable clock): files sort in the order they were written.
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    return path
