"""Celery tasks of the identity app: thin wrappers over service functions."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from .emails import account_email_send_now
from .tokens import expired_tokens_flush


@shared_task(name="identity.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Hourly (beat): drop listed refresh tokens past their expiry, blacklisted or not."""
    return expired_tokens_flush()


@shared_task(
    name="identity.send_account_email",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_account_email(*, kind: str, user_id: str) -> bool:
    """A sign-up notice or a reset link to the user's address (retried if the server fails)."""
    return account_email_send_now(kind=kind, user_id=user_id)
