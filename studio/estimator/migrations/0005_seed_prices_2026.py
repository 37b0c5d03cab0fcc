"""The 2026 price rows (shared_rules.price_seed), each with its source and date, and three fixes to the first seed.

1. The first seed's rows get their source: the wire reference's section 16 (a litellm snapshot).
2. Its Standard rows were copies of the Global ones with no source: removed where nobody has changed them since.
   Regional rows now come only from a regional meter (AZR, East US 2).
3. gpt-4.1 training at $2 per 1M came from a documentation example; Azure's price list says $25 Global.
"""

import datetime
from decimal import Decimal

from django.db import migrations

from shared_rules.price_seed import AZR, SEED_PRICES_2026

FIRST_SEED_DATE = datetime.date(2026, 11, 1)
WIRE_REFERENCE = "wire reference section 16 (litellm 1.110.2 snapshot; (O) rows: OpenAI list price)"
_FIELDS = ("input_per_1m", "output_per_1m", "cached_input_per_1m", "unit_price", "cache_write_per_1m", "currency",
           "source", "source_date")


def _line(row):
    return {"model": row.model, "kind": row.kind, "deployment_type": row.deployment_type, "tier": row.tier,
            "size": row.size or "", "quality": row.quality or "", "effective_from": row.effective_from}


def forward(apps, schema_editor):
    Price = apps.get_model("estimator", "Price")
    first = Price.objects.filter(created_by=None, effective_from=FIRST_SEED_DATE)
    first.filter(deployment_type="DataZone", source="").update(
        source="Global x 1.10 (the wire reference: Data Zone is 10-20 % over Global)")
    for row in first.filter(deployment_type="Standard"):
        global_row = first.filter(model=row.model, kind=row.kind, deployment_type="GlobalStandard", size=row.size,
                                  quality=row.quality).first()
        same = global_row is not None and all(
            getattr(row, f) == getattr(global_row, f)
            for f in ("input_per_1m", "output_per_1m", "cached_input_per_1m", "unit_price"))
        if same:
            row.delete()
    first.filter(source="").update(source=WIRE_REFERENCE)
    first.filter(model="gpt-4.1", kind="training_tokens", deployment_type="GlobalStandard",
                 input_per_1m=Decimal("2")).update(
        input_per_1m=Decimal("25"), source=f"{AZR[0]}; was $2 from a documentation example", source_date=AZR[1])
    for row in SEED_PRICES_2026:
        Price.objects.get_or_create(**_line(row), defaults={f: getattr(row, f) for f in _FIELDS})


def backward(apps, schema_editor):
    Price = apps.get_model("estimator", "Price")
    for row in SEED_PRICES_2026:
        Price.objects.filter(created_by=None, **_line(row)).delete()


class Migration(migrations.Migration):
    dependencies = [("estimator", "0004_prices_2026_fields_and_custom_models")]
    operations = [migrations.RunPython(forward, backward)]
