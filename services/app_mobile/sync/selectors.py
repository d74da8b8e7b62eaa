from django.db.models import QuerySet

from sync.models import SyncRecord


def sync_record_list(*, organization_id: str | None, data_type: str | None = None) -> QuerySet:
    """The organisation's synced records (deleted ones too: a phone must learn of deletions)."""
    if not organization_id:
        return SyncRecord.objects.none()
    queryset = SyncRecord.objects.filter(organization_id=organization_id)
    if data_type:
        queryset = queryset.filter(data_type=data_type)
    return queryset
