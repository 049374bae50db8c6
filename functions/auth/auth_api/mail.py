"""The password-reset mail; sending (SES in AWS, the outbox locally) is the layer's farm_erp.mail."""

from __future__ import annotations

from farm_erp.mail import Mail, MailError, send

__all__ = ["Mail", "MailError", "reset_mail", "send"]


def reset_mail(to: str, link: str, valid_minutes: int) -> Mail:
    text = (
        "Someone asked to reset the password of your Farm ERP account.\n\n"
        f"Open this link within {valid_minutes} minutes to choose a new password:\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    return Mail(to=to, subject="Reset your Farm ERP password", text=text)
