from django.urls import path
from notes.views import NoteCreate

urlpatterns = [path("notes/", NoteCreate.as_view())]
