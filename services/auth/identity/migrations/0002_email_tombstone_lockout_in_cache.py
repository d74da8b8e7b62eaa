"""Deleted users keep no address (NULL, which the unique index ignores); the lockout moves to
the throttle cache (identity.throttling), per address and client."""

from django.db import migrations, models


def tombstones_without_address(apps, schema_editor):
    # The fake addresses of users deleted before this migration become NULL too.
    User = apps.get_model("identity", "User")
    User.objects.filter(deleted_at__isnull=False).update(email=None)


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='failed_login_count',
        ),
        migrations.RemoveField(
            model_name='user',
            name='locked_until',
        ),
        migrations.AlterField(
            model_name='user',
            name='email',
            field=models.EmailField(blank=True, max_length=254, null=True, unique=True),
        ),
        migrations.RunPython(tombstones_without_address, migrations.RunPython.noop),
    ]
