"""Errors of the events layer, in a module of their own so every other module can raise them."""

from __future__ import annotations

REASONS = frozenset({"not_json", "unknown_type", "schema", "envelope"})


class InvalidEvent(ValueError):
    """An event that can never be valid: bad bytes, unknown type, bad payload or bad envelope.

    ``reason`` is one of :data:`REASONS`; the consumer engine dead-letters such messages at once
    (retrying cannot help) and uses ``reason`` as a metric label. The message names fields and
    rules, never payload values, because it ends up in logs and DLQ headers.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown InvalidEvent reason {reason!r}")
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
