"""App sessions API: start (POST), end (POST .../end/), list one's own."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from app_sessions import selectors, services
from app_sessions.serializers import AppSessionSerializer, AppSessionStartSerializer


class AppSessionListStartView(generics.ListAPIView):
    serializer_class = AppSessionSerializer

    def get_queryset(self):
        return selectors.app_session_list(user_id=str(self.request.user.id))

    @extend_schema(request=AppSessionStartSerializer, responses={201: AppSessionSerializer})
    def post(self, request: Request) -> Response:
        incoming = AppSessionStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        session = services.app_session_start(
            user_id=str(request.user.id),
            organization_id=request.user.organization_id,
            user_type=request.user.user_type,
            auth_session_id=(request.user.session_id or "")[:200],
            **incoming.validated_data,
        )
        return Response(AppSessionSerializer(session).data, status=status.HTTP_201_CREATED)


class AppSessionEndView(APIView):
    """End one of the user's sessions (another user's: 404; already ended: unchanged)."""

    @extend_schema(request=None, responses=AppSessionSerializer)
    def post(self, request: Request, pk) -> Response:
        session = get_object_or_404(selectors.app_session_list(user_id=str(request.user.id)), pk=pk)
        session = services.app_session_end(session=session)
        return Response(AppSessionSerializer(session).data)
