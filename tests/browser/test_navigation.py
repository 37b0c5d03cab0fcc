"""A person signs in, visits every entry of the navigation, and signs out."""

import re

from playwright.sync_api import expect

from studio.accounts import roles


def test_admin_visits_every_navigation_entry_and_signs_out(sign_in, make_user, site):
    make_user("ada", roles.ADMIN)
    page = sign_in("ada")
    expect(page.locator("h1")).to_have_text("Welcome, ada")
    expect(page.locator(".who .badge")).to_have_text("Admin")

    entries = page.locator("nav.nav a")
    names = entries.all_inner_texts()
    assert {"Playground", "Deployments", "Fine-tuning", "Estimator", "Admin"} <= set(names)
    for name in names:
        page.locator("nav.nav a", has_text=name).click()
        page.wait_for_load_state()
        expect(page.locator("nav.nav a", has_text=name)).to_have_attribute("aria-current", "page")
        expect(page.locator("h1")).to_be_visible()
        assert "Error" not in page.title()

    page.click("text=Sign out")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{site}/deployments/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/deployments/"))


def test_wrong_password_keeps_the_username_in_the_browser(sign_in, make_user):
    make_user("dev", roles.DEVELOPER)
    page = sign_in("dev", "wrong password")
    expect(page.locator("main [role=alert]")).to_contain_text("do not match")
    expect(page.locator("#id_username")).to_have_value("dev")


def test_viewer_gets_a_friendly_403_on_an_admin_page(sign_in, make_user, site):
    make_user("vera", roles.VIEWER)
    page = sign_in("vera")
    expect(page.locator("nav.nav a", has_text="Admin")).to_have_count(0)
    response = page.goto(f"{site}/accounts/users/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You do not have access to this")
    page.click("text=Back to the dashboard")
    expect(page.locator("h1")).to_have_text("Welcome, vera")


def test_a_failed_htmx_request_shows_a_readable_message(sign_in, make_user):
    make_user("vera", roles.VIEWER)
    page = sign_in("vera")
    toast = page.locator("#htmx-error")
    expect(toast).to_be_hidden()
    # What a page's htmx call meets when the server refuses it: Studio's error fragment, shown as a toast.
    page.evaluate("htmx.ajax('GET', '/accounts/users/', {target: 'main', swap: 'beforeend'})")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("You do not have access to this")
    expect(toast).to_contain_text("Admin role")
