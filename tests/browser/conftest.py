"""Browser tests: Playwright drives Debian's Chromium against the site served by uvicorn."""

import shutil

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API keeps an event loop in the test thread; the ORM calls that set up a test's data
    # are still plain synchronous calls, so Django may allow them here. Session-scoped and autouse, so it is in
    # place before the database fixtures, and only from the first browser test on (they run last).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def site(web_server, transactional_db):
    """The live site's base URL; the test's data is committed so that uvicorn's process sees it."""
    return web_server


@pytest.fixture
def sign_in(page, site):
    def sign_in_as(username: str, password: str = PASSWORD):
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in_as
