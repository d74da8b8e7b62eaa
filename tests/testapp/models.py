"""Models of the test app: ``Effect`` rows are what the events tests' handlers leave behind.

A row per handler run, deliberately without a unique constraint: a redelivered event applied
twice shows up as two rows, so the tests can prove "exactly once" by counting.
"""

from django.db import models


class Effect(models.Model):
    group = models.CharField(max_length=200)
    event_id = models.CharField(max_length=64, db_index=True)
    type = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True, default="")
    note = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{self.group}:{self.type}:{self.event_id}"
