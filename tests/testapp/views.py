"""Views exercised by the monitoring tests."""

import logging

from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response


def item(request, pk: int):
    return JsonResponse({"pk": pk})


def boom(request):
    raise RuntimeError("boom")


def stream(request):
    return StreamingHttpResponse(iter([b"a", b"b", b"c"]))


async def async_view(request):
    return HttpResponse("async")


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def whoami(request):
    return Response({"id": request.user.pk})


def query(request):
    count = get_user_model().objects.count()
    return JsonResponse({"users": count})


async def async_stream(request):
    async def chunks():
        for chunk in (b"x", b"y", b"z"):
            yield chunk

    return StreamingHttpResponse(chunks())


def logged(request):
    """Logs one line, so the tests can see the request id on a view's own records."""
    logging.getLogger("tests.testapp").warning("hello from a view")
    return HttpResponse("logged")
