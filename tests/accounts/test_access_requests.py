"""Access by application: a person asks, an Admin approves with a role or declines with a reason."""

from studio.accounts import roles
from studio.accounts.models import AccessRequest
from tests.conftest import PASSWORD

REQUEST = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "intended_use": "Prototype a support bot for our help desk.",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def test_a_person_without_account_can_request_access(client, db):
    response = client.post("/accounts/request-access/", REQUEST)
    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    assert access_request.user.username == "newcomer"
    assert access_request.status == AccessRequest.Status.PENDING
    assert roles.role_of(access_request.user) is None


def test_a_bad_request_keeps_what_was_typed(client, db):
    response = client.post("/accounts/request-access/", {**REQUEST, "password2": "different"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The two passwords differ." in body
    assert 'value="newcomer@example.com"' in body
    assert "Prototype a support bot" in body
    assert not AccessRequest.objects.exists()


def test_requester_sees_pending_then_approval(client, admin_user, db):
    client.post("/accounts/request-access/", REQUEST)
    client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    assert "waiting for an Admin" in client.get("/accounts/access-status/").content.decode()
    assert client.get("/playground/").status_code == 403

    access_request = AccessRequest.objects.get()
    client.force_login(admin_user)
    client.post(f"/accounts/requests/{access_request.pk}/approve/", {"role": roles.DEVELOPER})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED
    assert roles.role_of(access_request.user) == roles.DEVELOPER

    client.force_login(access_request.user)
    assert client.get("/playground/").status_code == 200


def test_requester_sees_the_decline_reason(client, admin_user, db):
    client.post("/accounts/request-access/", REQUEST)
    access_request = AccessRequest.objects.get()
    client.force_login(admin_user)
    client.post(f"/accounts/requests/{access_request.pk}/decline/", {"reason": "Use the team's shared account."})
    client.force_login(access_request.user)
    body = client.get("/accounts/access-status/").content.decode()
    assert "declined" in body and "Use the team&#x27;s shared account." in body
    assert client.get("/").status_code == 403


def test_decline_needs_a_reason(client, admin_user, db):
    client.post("/accounts/request-access/", REQUEST)
    access_request = AccessRequest.objects.get()
    client.force_login(admin_user)
    client.post(f"/accounts/requests/{access_request.pk}/decline/", {"reason": ""})
    access_request.refresh_from_db()
    assert access_request.is_pending


def test_answering_twice_changes_nothing(client, admin_user, db):
    client.post("/accounts/request-access/", REQUEST)
    access_request = AccessRequest.objects.get()
    client.force_login(admin_user)
    client.post(f"/accounts/requests/{access_request.pk}/approve/", {"role": roles.VIEWER})
    response = client.post(f"/accounts/requests/{access_request.pk}/decline/", {"reason": "late"})
    assert response.status_code == 404
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED


def test_developer_cannot_approve_requests(client, developer_user, db):
    client.post("/accounts/request-access/", REQUEST)
    access_request = AccessRequest.objects.get()
    client.force_login(developer_user)
    response = client.post(f"/accounts/requests/{access_request.pk}/approve/", {"role": roles.ADMIN})
    assert response.status_code == 403
    assert roles.role_of(access_request.user) is None
