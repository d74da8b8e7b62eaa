"""A request that meets a database outage gets a JSON 503 with Retry-After (found by the chaos
soak: Django's HTML 500 page before)."""

import pytest
from django.db import InterfaceError, OperationalError
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView


def _view(error: Exception):
    class Failing(APIView):
        permission_classes = [AllowAny]
        authentication_classes = []

        def get(self, request):
            raise error

    return Failing.as_view()


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("closed")],
)
def test_a_lost_database_is_a_503_that_says_to_retry(error):
    response = _view(error)(APIRequestFactory().get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.data["code"] == "database_unavailable"
    assert "server closed" not in str(response.data)  # the database's own words stay inside


def test_other_errors_keep_drf_answers():
    assert _view(NotFound())(APIRequestFactory().get("/")).status_code == 404
    with pytest.raises(ZeroDivisionError):
        _view(ZeroDivisionError())(APIRequestFactory().get("/"))
