from django.db.models import QuerySet

from app_sessions.models import AppSession


def app_session_list(*, user_id: str) -> QuerySet[AppSession]:
    """The user's own sessions, newest first."""
    return AppSession.objects.filter(user_id=user_id)
