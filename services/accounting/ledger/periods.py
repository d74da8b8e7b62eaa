"""Closing the books: an organisation's owner locks every day up to a date.

Once a period is closed its figures are final: no entry (API, sale, subscription charge or
reversal) may be dated in it, so a report given for January stays true. A mistake found later
is corrected in an open period, by a reversal dated today. The lock only moves forward: reopening
would make closed figures changeable again, so it is refused (an internal admin's act, left
out). Checked in :mod:`ledger.rules` before every posting, and on PostgreSQL again by a trigger
holding the lock row while the entry is inserted (migration 0006).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from ledger.errors import Conflict
from ledger.models import PeriodLock

__all__ = ["period_lock_get", "period_lock_of", "period_lock_set"]


def period_lock_get(*, organization_id: str) -> datetime.date | None:
    """The last closed day of the organisation's books, or None when nothing is closed."""
    return (
        PeriodLock.objects.filter(organization_id=organization_id)
        .values_list("locked_through", flat=True)
        .first()
    )


def period_lock_of(organization_id: str | OuterRef) -> Subquery:
    """:func:`period_lock_get` as a subquery, to annotate a read a posting does anyway (its
    accounts) with the lock of their organisation: one round trip instead of two."""
    locks = PeriodLock.objects.filter(organization_id=organization_id)
    return Subquery(locks.values("locked_through")[:1])


@transaction.atomic
def period_lock_set(
    *, organization_id: str, locked_through: datetime.date, locked_by: str
) -> PeriodLock:
    """Close the books through ``locked_through`` (a past day, or today; never backwards)."""
    if locked_through > timezone.localdate():
        raise ValidationError({"locked_through": ["A period that has not ended cannot be closed."]})
    lock, created = PeriodLock.objects.select_for_update().get_or_create(
        organization_id=organization_id,
        defaults={"locked_through": locked_through, "locked_by": locked_by},
    )
    if created or lock.locked_through == locked_through:
        return lock
    if locked_through < lock.locked_through:
        raise Conflict(
            f"The books are closed through {lock.locked_through}; a closed period is not reopened.",
            code="period_reopen_refused",
            locked_through=str(lock.locked_through),
        )
    lock.locked_through = locked_through
    lock.locked_by = locked_by
    lock.save(update_fields=["locked_through", "locked_by", "updated_at"])
    return lock
