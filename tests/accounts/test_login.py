"""Signing in and out."""

from tests.conftest import PASSWORD


def test_wrong_password_shows_an_error_and_keeps_the_username(client, developer_user):
    response = client.post("/accounts/login/", {"username": "dev", "password": "not it"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "That username and password do not match" in body
    assert 'value="dev"' in body
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in_and_lands_on_the_dashboard(client, developer_user):
    response = client.post("/accounts/login/", {"username": "dev", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_user_without_role_lands_on_the_access_status_page(client, make_user):
    make_user("newcomer")
    response = client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    assert response["Location"] == "/accounts/access-status/"


def test_logout_needs_post_and_ends_the_session(client, developer_user):
    client.force_login(developer_user)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_navigation_shows_the_user_and_role(client_as, viewer_user):
    body = client_as(viewer_user).get("/").content.decode()
    assert "vera" in body and "Viewer" in body
    assert 'href="/accounts/users/"' not in body  # the Admin entry is for Admins only


def test_admin_sees_the_admin_entry(client_as, admin_user):
    assert 'href="/accounts/users/"' in client_as(admin_user).get("/").content.decode()


def test_a_user_changes_their_password_and_stays_signed_in(client_as, developer_user):
    client = client_as(developer_user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "a new long passphrase",
                                                   "new_password2": "a new long passphrase"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    developer_user.refresh_from_db()
    assert developer_user.check_password("a new long passphrase")
    assert client.get("/").status_code == 200  # the session survives the change


def test_a_wrong_old_password_keeps_the_password(client_as, developer_user):
    response = client_as(developer_user).post("/accounts/password/", {
        "old_password": "not it", "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    developer_user.refresh_from_db()
    assert developer_user.check_password(PASSWORD)


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "dev", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "DEV", "password": PASSWORD})
    body = response.content.decode()
    assert response.status_code == 200
    assert "signing in to this account from your address is paused for 15 more minutes" in body
    assert 'value="DEV"' in body
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_the_count(client, developer_user, settings):
    settings.STUDIO_SIGN_IN_MAX_FAILURES = 3
    for _ in range(2):
        client.post("/accounts/login/", {"username": "dev", "password": "guess"})
    assert client.post("/accounts/login/", {"username": "dev", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "dev", "password": "guess"})
    assert client.post("/accounts/login/", {"username": "dev", "password": PASSWORD}).status_code == 302
