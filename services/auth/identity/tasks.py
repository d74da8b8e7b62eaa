"""Celery tasks of the identity app: thin wrappers over service functions."""

from __future__ import annotations

from celery import shared_task

from .tokens import expired_tokens_flush


@shared_task(name="identity.flush_expired_tokens")
def flush_expired_tokens() -> int:
    """Hourly (beat): drop listed refresh tokens past their expiry, blacklisted or not."""
    return expired_tokens_flush()
