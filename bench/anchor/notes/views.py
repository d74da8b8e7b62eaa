from django.db import transaction
from rest_framework import generics, serializers

from notes.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "text", "amount", "created_at"]


class NoteCreate(generics.CreateAPIView):
    serializer_class = NoteSerializer

    @transaction.atomic
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
