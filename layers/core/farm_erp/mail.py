"""Outgoing mail for every function: Amazon SES in AWS, an outbox folder locally (MAIL_OUTBOX_DIR).

One MIME builder for both paths: a plain-text part, and an HTML alternative when the mail has one. SES gets the
raw message (SendRawEmail), so what lands in the local outbox is the message SES would send.

boto3 is imported inside `send`, never at module import: importing botocore costs ~300 ms of cold start, and most
invocations of the functions that can send mail do not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
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
    html: str | None = None


def build_message(sender: str, mail: Mail, *, cte: str = "quoted-printable") -> EmailMessage:
    """The MIME message: text/plain, or multipart/alternative (text, then HTML: clients show the last they can)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(mail.text, cte=cte)
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html", cte=cte)
    return msg


def send(mail: Mail) -> None:
    """Deliver one message. Only the recipient and subject are logged: a body may carry a live token."""
    s = get_settings()
    if s.mail_outbox_dir:
        path = _write_outbox(Path(s.mail_outbox_dir), s.ses_from_address, mail)
        logger.info("mail written to outbox", extra={"to": mail.to, "subject": mail.subject, "path": str(path)})
        return
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    # Quoted-printable keeps the message 7-bit clean whatever the recipient's server accepts.
    raw = bytes(build_message(s.ses_from_address, mail))
    try:
        client = boto3.client("ses", region_name=s.aws_region)
        response = client.send_raw_email(Source=s.ses_from_address, RawMessage={"Data": raw})
    except (BotoCoreError, ClientError) as exc:
        raise MailError(f"SES refused the message: {type(exc).__name__}") from None
    logger.info("mail sent", extra={"to": mail.to, "subject": mail.subject, "message_id": response.get("MessageId")})


def _write_outbox(folder: Path, sender: str, mail: Mail) -> Path:
    # 8bit keeps each line (a link, a figure) readable and copyable in the file.
    msg = build_message(sender, mail, cte="8bit")
    folder.mkdir(parents=True, exist_ok=True)
    # Wall-clock name (not the injectable clock): files sort in the order they were written.
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    return path
