"""The plan catalogue: free, basic, professional, premium, enterprise (prices per 30 days, USD)."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    ("free", "Free", Decimal("0")),
    ("basic", "Basic", Decimal("15.00")),
    ("professional", "Professional", Decimal("49.00")),
    ("premium", "Premium", Decimal("99.00")),
    ("enterprise", "Enterprise", Decimal("299.00")),
]


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("admin_subscriptions", "Plan")
    for code, name, price in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={"name": name, "price": price, "currency": "USD", "billing_period_days": 30},
        )


def remove_plans(apps, schema_editor):
    Plan = apps.get_model("admin_subscriptions", "Plan")
    Plan.objects.filter(code__in=[code for code, _, _ in PLANS], subscriptions=None).delete()


class Migration(migrations.Migration):
    dependencies = [("admin_subscriptions", "0001_initial")]

    operations = [migrations.RunPython(seed_plans, remove_plans)]
