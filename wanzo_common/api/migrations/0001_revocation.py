from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Revocation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("user", "every token of a user"),
                            ("session", "every token of a session"),
                        ],
                        max_length=10,
                    ),
                ),
                ("subject", models.CharField(max_length=200)),
                ("not_before", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "subject"), name="wanzo_api_revocation_once"
                    )
                ],
            },
        ),
    ]
