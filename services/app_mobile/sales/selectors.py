from django.db.models import QuerySet

from sales.models import Sale


def sale_list(*, organization_id: str | None, status: str | None = None) -> QuerySet[Sale]:
    """The organisation's sales, newest first (nothing without an organisation)."""
    if not organization_id:
        return Sale.objects.none()
    queryset = Sale.objects.filter(organization_id=organization_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset
