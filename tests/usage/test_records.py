"""Pricing and writing usage records."""

from __future__ import annotations

import pytest

from studio.resources.models import Deployment, Resource
from studio.usage.models import UsageRecord
from studio.usage.records import pending_writes_flush, tariff_for, usage_record, usage_record_later


@pytest.fixture
def resource(db):
    resource = Resource(name="r", kind="azure_openai", endpoint="https://contoso.openai.azure.com")
    resource.set_api_key("k")
    resource.save()
    return resource


@pytest.mark.parametrize(("model", "version", "kind", "priced"), [
    ("gpt-4o", "2024-08-06", "tokens", True),
    ("gpt-4o-mini", "2024-07-18", "tokens", True),
    ("text-embedding-3-small", "1", "tokens", True),  # a plain version number: priced by the model's name
    ("no-such-model", "1", "tokens", False),
])
def test_a_deployment_finds_its_price(resource, seeded_prices, model, version, kind, priced):
    deployment = Deployment.objects.create(resource=resource, name=model, model_name=model, model_version=version,
                                           sku_name="GlobalStandard")
    tariff = tariff_for(deployment, kind)
    assert (tariff.row is not None) is priced
    cost = tariff.tokens(1_000_000, 0)
    assert (cost is not None and cost > 0) is priced


def test_dated_versions_keep_their_own_prices(resource, seeded_prices):
    old = Deployment.objects.create(resource=resource, name="old", model_name="gpt-4o", model_version="2024-05-13",
                                    sku_name="GlobalStandard")
    new = Deployment.objects.create(resource=resource, name="new", model_name="gpt-4o", model_version="2024-08-06",
                                    sku_name="GlobalStandard")
    assert tariff_for(old).tokens(1_000_000, 0) > tariff_for(new).tokens(1_000_000, 0)


@pytest.mark.django_db(transaction=True)  # the writer thread has its own connection: it must see committed rows
def test_records_written_later_arrive_and_bad_fields_are_refused(resource):
    usage_record_later({"kind": "chat", "resource_id": resource.pk, "prompt_tokens": 3, "completion_tokens": 4})
    pending_writes_flush()
    assert UsageRecord.objects.get().total_tokens == 7
    with pytest.raises(TypeError):
        usage_record(kind="chat", prompt="never stored")
