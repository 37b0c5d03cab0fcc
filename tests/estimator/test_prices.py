"""The price table: seeded from the rules, read by every role, changed by Admins only, with its history kept."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shared_rules.pricing import SEED_PRICES, SNAPSHOT_DATE
from studio.estimator.models import Price

NEW = {"model": "gpt-4.1", "kind": "tokens", "deployment_type": "GlobalStandard", "input_per_1m": "2.00",
       "output_per_1m": "8.00", "cached_input_per_1m": "", "unit_price": "", "size": "", "quality": "",
       "currency": "USD", "effective_from": "2026-12-01"}


def gpt_4o_global():
    return Price.objects.get(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard")


def change(price, **values):
    data = {"input_per_1m": price.input_per_1m, "output_per_1m": price.output_per_1m or "",
            "cached_input_per_1m": price.cached_input_per_1m or "", "unit_price": price.unit_price or "",
            "currency": price.currency, "effective_from": price.effective_from.isoformat(), **values}
    return data


def test_the_migration_seeds_every_rule_price(db):
    assert Price.objects.count() == len(SEED_PRICES)
    row = gpt_4o_global()
    assert (row.input_per_1m, row.output_per_1m, row.cached_input_per_1m) == (Decimal("2.5"), Decimal("10"),
                                                                              Decimal("1.25"))
    assert (row.currency, row.effective_from) == ("USD", SNAPSHOT_DATE)
    assert set(Price.objects.values_list("deployment_type", flat=True)) == {"GlobalStandard", "Standard", "DataZone"}


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
    assert client.post(f"/estimator/prices/{price.pk}/edit/", change(price, input_per_1m="1")).status_code == 403
    assert Price.objects.count() == len(SEED_PRICES)
    assert gpt_4o_global().input_per_1m == Decimal("2.5")


def test_an_admin_adds_a_price(client_as, admin_user):
    response = client_as(admin_user).post("/estimator/prices/new/", NEW)
    assert response.status_code == 302
    added = Price.objects.get(model="gpt-4.1", kind="tokens")
    assert (added.input_per_1m, added.effective_from, added.created_by) == (Decimal("2"), date(2026, 12, 1), admin_user)


def test_a_bad_price_form_re_renders_with_the_input_intact(client_as, admin_user):
    body = client_as(admin_user).post("/estimator/prices/new/", {**NEW, "input_per_1m": "", "unit_price": "3",
                                                                  "currency": "usd"}).content.decode()
    assert "A tokens price needs this." in body
    assert "Leave this empty: a tokens price uses" in body
    assert "three-letter code" in body
    assert 'value="gpt-4.1"' in body and 'value="8.00"' in body
    assert not Price.objects.filter(model="gpt-4.1", kind="tokens").exists()


def test_a_second_row_for_the_same_line_and_date_is_refused(client_as, admin_user):
    duplicate = {**NEW, "model": "gpt-4o", "effective_from": SNAPSHOT_DATE.isoformat()}
    body = client_as(admin_user).post("/estimator/prices/new/", duplicate).content.decode()
    assert "has a price from that date already" in body


def test_changing_a_price_from_a_new_date_adds_a_row_and_keeps_history(client_as, admin_user):
    price = gpt_4o_global()
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = client_as(admin_user)
    response = client.post(f"/estimator/prices/{price.pk}/edit/",
                           change(price, input_per_1m="2.00", effective_from=tomorrow.isoformat()), follow=True)
    assert "stays in the history" in response.content.decode()
    rows = Price.objects.filter(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard")
    assert sorted((r.effective_from, r.input_per_1m) for r in rows) == [(SNAPSHOT_DATE, Decimal("2.5")),
                                                                       (tomorrow, Decimal("2"))]
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
    assert Price.objects.filter(model="gpt-4o", kind="tokens", deployment_type="GlobalStandard").count() == 1
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
    price = Price.objects.get(model="gpt-4o", kind="hosting_hour", deployment_type="GlobalStandard")
    body = client_as(admin_user).post(f"/estimator/prices/{price.pk}/edit/",
                                      change(price, input_per_1m="3")).content.decode()
    assert "Leave this empty: a hosting hour price uses unit price." in body


def test_the_change_form_shows_plain_figures_and_today(client_as, admin_user):
    price = gpt_4o_global()
    body = client_as(admin_user).get(f"/estimator/prices/{price.pk}/edit/").content.decode()
    assert 'value="2.5"' in body and 'value="10"' in body  # not the table's eight places, never 1E+1
    assert f'value="{timezone.localdate().isoformat()}"' in body


def test_the_add_form_is_filled_from_a_missing_price_link(client_as, admin_user):
    body = client_as(admin_user).get("/estimator/prices/new/?model=gpt-4.1&kind=tokens&deployment_type=Batch")
    html = body.content.decode()
    assert 'value="gpt-4.1"' in html and '<option value="Batch" selected>' in html
