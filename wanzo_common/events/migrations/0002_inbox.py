from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("wanzo_events", "0001_outbox"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboxEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group", models.CharField(max_length=255)),
                ("event_id", models.CharField(max_length=255)),
                ("type", models.CharField(max_length=100)),
                ("handled_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "db_table": "wanzo_events_inbox",
                "constraints": [
                    models.UniqueConstraint(fields=("group", "event_id"), name="wanzo_events_inbox_unique")
                ],
            },
        ),
    ]
