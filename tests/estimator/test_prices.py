"""The price table: seeded from the rules, read by every role, changed by Admins only, with its history kept."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shared_rules.price_seed import EFFECTIVE, SEED_PRICES_2026
from shared_rules.pricing import SNAPSHOT_DATE
from studio.estimator.models import Price

NEW = {"model": "gpt-4.2", "kind": "tokens", "deployment_type": "GlobalStandard", "tier": "", "input_per_1m": "2.00",
       "output_per_1m": "8.00", "cached_input_per_1m": "", "cache_write_per_1m": "", "unit_price": "", "size": "",
       "quality": "", "currency": "USD", "effective_from": "2026-12-01", "source": "Azure price page",
       "source_date": "2026-12-01"}


def gpt_4o_global():
    """The gpt-4o Global row in force: the 2026-11-30 one (the 2026-11-01 snapshot's stays as history)."""
    return Price.objects.get(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard", tier="",
                             effective_from=EFFECTIVE)


def change(price, **values):
    data = {"input_per_1m": price.input_per_1m or "", "output_per_1m": price.output_per_1m or "",
            "cached_input_per_1m": price.cached_input_per_1m or "", "cache_write_per_1m": "",
            "unit_price": price.unit_price or "", "currency": price.currency, "source": price.source,
            "source_date": price.source_date.isoformat() if price.source_date else "",
            "effective_from": price.effective_from.isoformat(), **values}
    return data


def test_the_migrations_seed_every_2026_price_with_its_source(db):
    for row in SEED_PRICES_2026:
        found = Price.objects.get(model=row.model, kind=row.kind, deployment_type=row.deployment_type, tier=row.tier,
                                  size=row.size or "", quality=row.quality or "", effective_from=EFFECTIVE)
        assert (found.input_per_1m, found.output_per_1m, found.unit_price) == (row.input_per_1m, row.output_per_1m,
                                                                               row.unit_price)
        assert found.source == row.source and found.source_date == row.source_date
    row = gpt_4o_global()
    assert (row.input_per_1m, row.output_per_1m, row.cached_input_per_1m) == (Decimal("2.5"), Decimal("10"),
                                                                              Decimal("1.25"))
    assert not Price.objects.filter(source="").exists()  # every row names where its figures come from


def test_regional_rows_come_only_from_a_regional_meter(db):
    # The first seed copied every Global price to Standard without a source: those copies are gone.
    assert not Price.objects.filter(deployment_type="Standard", effective_from=SNAPSHOT_DATE).exists()
    assert not Price.objects.filter(deployment_type="Standard", model__startswith="gpt-5").exists()
    regional = Price.objects.get(model="gpt-4.1", kind="tokens", deployment_type="Standard", tier="")
    assert (regional.input_per_1m, regional.source_date) == (Decimal("2.2"), date(2026, 8, 11))


def test_gpt_4_1_training_is_25_dollars_global_not_the_documentation_examples_2(db):
    rows = Price.objects.filter(model="gpt-4.1", kind="training_tokens", deployment_type="GlobalStandard")
    assert {r.input_per_1m for r in rows} == {Decimal("25")}
    corrected = rows.get(effective_from=SNAPSHOT_DATE)
    assert "was $2 from a documentation example" in corrected.source


def test_the_table_shows_only_the_prices_a_row_is_billed_by_with_its_source(client_as, viewer_user):
    body = client_as(viewer_user).get("/estimator/prices/?q=gpt-4o-mini&kind=tokens&deployment_type=GlobalStandard"
                                      ).content.decode()
    assert "$0.15 in · $0.075 cached · $0.60 out per 1M tokens" in body
    assert "Unit price" not in body and "AZR: Azure Retail Prices API" in body and "11 Aug 2026" in body
    hosting = client_as(viewer_user).get("/estimator/prices/?q=gpt-4o-mini&kind=hosting_hour&deployment_type=Standard"
                                         ).content.decode()
    assert "$1.70 per hour deployed" in hosting and " in ·" not in hosting


def test_the_table_filters_by_family_and_pages(client_as, viewer_user):
    client = client_as(viewer_user)
    gpt5 = client.get("/estimator/prices/?family=gpt-5&deployment_type=GlobalStandard&kind=tokens").content.decode()
    assert "gpt-5.4-mini" in gpt5 and "gpt-4o-mini" not in gpt5 and "o4-mini" not in gpt5
    first = client.get("/estimator/prices/").content.decode()
    assert "Page 1 of" in first and 'page=2"' in first
    second = client.get("/estimator/prices/?page=2").content.decode()
    assert "Page 2 of" in second and "← Previous" in second
    assert client.get("/estimator/prices/?page=9999").status_code == 200  # the last page, not an error


def test_image_sizes_and_qualities_must_be_ones_the_model_makes(client_as, admin_user):
    image = {**NEW, "model": "dall-e-3", "kind": "image", "input_per_1m": "", "output_per_1m": "",
             "unit_price": "0.05", "size": "1024x1536", "quality": "ultra"}
    body = client_as(admin_user).post("/estimator/prices/new/", image).content.decode()
    assert "dall-e-3 makes images of 1024x1024, 1792x1024, 1024x1792, not &#x27;1024x1536&#x27;" in body
    good = client_as(admin_user).post("/estimator/prices/new/", {**image, "size": "1024X1024", "quality": "HD"})
    assert good.status_code == 302
    assert Price.objects.filter(model="dall-e-3", size="1024x1024", quality="hd", effective_from="2026-12-01").exists()


def test_a_price_must_name_its_source(client_as, admin_user):
    body = client_as(admin_user).post("/estimator/prices/new/", {**NEW, "source": ""}).content.decode()
    assert "This field is required." in body and not Price.objects.filter(model="gpt-4.2").exists()


def test_a_viewer_reads_the_price_table(client_as, viewer_user):
    body = client_as(viewer_user).get("/estimator/prices/?q=gpt-4o-mini").content.decode()
    assert "gpt-4o-mini" in body and "$0.15" in body and "$0.60" in body
    assert "gpt-35-turbo" not in body
    assert "Add a price" not in body and "/edit/" not in body


def test_viewers_find_the_price_table_under_estimator_in_the_navigation(client_as, viewer_user, developer_user):
    viewer_nav = client_as(viewer_user).get("/").content.decode()
    assert '<a href="/estimator/prices/" >Estimator</a>' in viewer_nav
    developer_nav = client_as(developer_user).get("/").content.decode()
    assert '<a href="/estimator/" >Estimator</a>' in developer_nav


def test_filtering_with_htmx_returns_the_table_only(client_as, viewer_user):
    response = client_as(viewer_user).get("/estimator/prices/?kind=hosting_hour",
                                          headers={"HX-Request": "true", "HX-Target": "price-table"})
    body = response.content.decode()
    assert "<html" not in body and "<table" in body
    assert "$1.70" in body and "$2.50" not in body


@pytest.mark.parametrize("role_user", ["viewer_user", "developer_user"])
def test_only_admins_add_or_change_prices(db, client_as, request, role_user):
    client = client_as(request.getfixturevalue(role_user))
    price = gpt_4o_global()
    assert client.post("/estimator/prices/new/", NEW).status_code == 403
    before = Price.objects.count()
    assert client.post(f"/estimator/prices/{price.pk}/edit/", change(price, input_per_1m="1")).status_code == 403
    assert Price.objects.count() == before
    assert gpt_4o_global().input_per_1m == Decimal("2.5")


def test_an_admin_adds_a_price(client_as, admin_user):
    response = client_as(admin_user).post("/estimator/prices/new/", NEW)
    assert response.status_code == 302
    added = Price.objects.get(model="gpt-4.2", kind="tokens")
    assert (added.input_per_1m, added.effective_from, added.created_by) == (Decimal("2"), date(2026, 12, 1), admin_user)


def test_a_bad_price_form_re_renders_with_the_input_intact(client_as, admin_user):
    body = client_as(admin_user).post("/estimator/prices/new/", {**NEW, "input_per_1m": "", "unit_price": "3",
                                                                  "currency": "usd"}).content.decode()
    assert "A tokens price needs this." in body
    assert "Leave this empty: a tokens price uses" in body
    assert "three-letter code" in body
    assert 'value="gpt-4.2"' in body and 'value="8.00"' in body
    assert not Price.objects.filter(model="gpt-4.2", kind="tokens").exists()


def test_a_second_row_for_the_same_line_and_date_is_refused(client_as, admin_user):
    duplicate = {**NEW, "model": "gpt-4o", "effective_from": EFFECTIVE.isoformat()}
    body = client_as(admin_user).post("/estimator/prices/new/", duplicate).content.decode()
    assert "has a price from that date already" in body


def test_changing_a_price_from_a_new_date_adds_a_row_and_keeps_history(client_as, admin_user):
    price = gpt_4o_global()
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = client_as(admin_user)
    response = client.post(f"/estimator/prices/{price.pk}/edit/",
                           change(price, input_per_1m="2.00", effective_from=tomorrow.isoformat()), follow=True)
    assert "stays in the history" in response.content.decode()
    rows = Price.objects.filter(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard", tier="")
    assert sorted((r.effective_from, r.input_per_1m) for r in rows) == [
        (SNAPSHOT_DATE, Decimal("2.5")), (EFFECTIVE, Decimal("2.5")), (tomorrow, Decimal("2"))]
    listing = client.get("/estimator/prices/?q=gpt-4o&deployment_type=GlobalStandard&kind=tokens&history=on")
    body = listing.content.decode()
    assert ">scheduled</span>" in body and ">current</span>" in body


def test_a_price_superseded_today_shows_only_with_history(client_as, admin_user):
    price = gpt_4o_global()
    client = client_as(admin_user)
    client.post(f"/estimator/prices/{price.pk}/edit/",
                change(price, input_per_1m="2.00", effective_from=timezone.localdate().isoformat()))
    current = client.get("/estimator/prices/?q=gpt-4o&kind=tokens&deployment_type=GlobalStandard")
    assert ">superseded</span>" not in current.content.decode()
    everything = client.get("/estimator/prices/?q=gpt-4o&kind=tokens&deployment_type=GlobalStandard&history=on")
    assert ">superseded</span>" in everything.content.decode()


def test_keeping_the_rows_own_date_corrects_it(client_as, admin_user):
    price = gpt_4o_global()
    client_as(admin_user).post(f"/estimator/prices/{price.pk}/edit/", change(price, output_per_1m="11"))
    assert Price.objects.filter(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard", tier="").count() == 2
    assert gpt_4o_global().output_per_1m == Decimal("11")


def test_changing_to_a_date_that_has_a_row_is_refused(client_as, admin_user):
    price = gpt_4o_global()
    later = Price.objects.create(**price.line_filter(), input_per_1m=1, output_per_1m=2,
                                 effective_from=date(2030, 1, 1))
    body = client_as(admin_user).post(f"/estimator/prices/{price.pk}/edit/",
                                      change(price, effective_from="2030-01-01")).content.decode()
    assert "has a price from 2030-01-01 already" in body
    later.refresh_from_db()
    assert later.input_per_1m == 1


def test_a_hosting_price_takes_a_unit_price_only(client_as, admin_user):
    price = Price.objects.get(model="gpt-4o", kind="hosting_hour", deployment_type="GlobalStandard",
                              effective_from=EFFECTIVE)
    body = client_as(admin_user).post(f"/estimator/prices/{price.pk}/edit/",
                                      change(price, unit_price="")).content.decode()
    assert "A hosting hour price needs this." in body
    assert 'name="input_per_1m"' not in body  # only the fields a hosting price has are shown


def test_the_change_form_shows_plain_figures_and_today(client_as, admin_user):
    price = gpt_4o_global()
    body = client_as(admin_user).get(f"/estimator/prices/{price.pk}/edit/").content.decode()
    assert 'value="2.5"' in body and 'value="10"' in body  # not the table's eight places, never 1E+1
    assert f'value="{timezone.localdate().isoformat()}"' in body


def test_the_add_form_is_filled_from_a_missing_price_link(client_as, admin_user):
    body = client_as(admin_user).get("/estimator/prices/new/?model=gpt-4.1&kind=tokens&deployment_type=Batch")
    html = body.content.decode()
    assert 'value="gpt-4.1"' in html and '<option value="Batch" selected>' in html


def test_the_add_form_shows_only_the_fields_of_the_chosen_kind(client_as, admin_user):
    client = client_as(admin_user)
    hosting = client.get("/estimator/prices/new/?model=gpt-4.1&kind=hosting_hour").content.decode()
    assert 'name="unit_price"' in hosting and 'name="input_per_1m"' not in hosting and 'name="size"' not in hosting
    tokens = client.get("/estimator/prices/new/?kind=tokens").content.decode()
    assert 'name="unit_price"' not in tokens and 'name="cache_write_per_1m"' in tokens and 'name="tier"' in tokens
    assert 'hx-get="/estimator/prices/new/"' in tokens  # choosing another kind re-renders the form
