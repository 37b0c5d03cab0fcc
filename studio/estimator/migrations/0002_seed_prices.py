"""Seed the price table from the rules' snapshot (the wire reference's section 16)."""

from django.db import migrations

from shared_rules.pricing import SEED_PRICES

_FIELDS = ("model", "kind", "deployment_type", "input_per_1m", "output_per_1m", "cached_input_per_1m", "unit_price",
           "currency", "effective_from")


def _line(row):
    return {"model": row.model, "kind": row.kind, "deployment_type": row.deployment_type, "size": row.size or "",
            "quality": row.quality or "", "effective_from": row.effective_from}


def seed(apps, schema_editor):
    Price = apps.get_model("estimator", "Price")
    for row in SEED_PRICES:
        values = {field: getattr(row, field) for field in _FIELDS}
        Price.objects.get_or_create(**_line(row), defaults=values)


def unseed(apps, schema_editor):
    Price = apps.get_model("estimator", "Price")
    for row in SEED_PRICES:
        Price.objects.filter(**_line(row)).delete()


class Migration(migrations.Migration):
    dependencies = [("estimator", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
