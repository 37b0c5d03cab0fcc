"""The Admin's user list: invitations and roles."""

from django.contrib.auth import get_user_model

from studio.accounts import roles
from tests.conftest import PASSWORD

User = get_user_model()


def test_admin_invites_a_user_with_a_one_time_link(client_as, admin_user, client):
    response = client_as(admin_user).post(
        "/accounts/users/", {"username": "newdev", "email": "newdev@example.com", "role": roles.DEVELOPER}
    )
    body = response.content.decode()
    invited = User.objects.get(username="newdev")
    assert roles.role_of(invited) == roles.DEVELOPER
    assert not invited.has_usable_password()
    link = body.split("/accounts/set-password/")[1].split("<")[0]

    client.logout()
    path = f"/accounts/set-password/{link}"
    set_page = client.get(path, follow=True)
    form_url = set_page.redirect_chain[-1][0] if set_page.redirect_chain else path
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    invited.refresh_from_db()
    assert invited.check_password(PASSWORD)
    assert client.get(path, follow=True).context["validlink"] is False


def test_invite_with_taken_username_keeps_the_form(client_as, admin_user):
    response = client_as(admin_user).post("/accounts/users/", {"username": "ada", "email": "x@example.com",
                                                                  "role": roles.VIEWER})
    body = response.content.decode()
    assert "That username is taken" in body
    assert 'value="x@example.com"' in body


def test_admin_changes_a_role(client_as, admin_user, viewer_user):
    client_as(admin_user).post(f"/accounts/users/{viewer_user.pk}/role/", {"role": roles.DEVELOPER})
    assert roles.role_of(User.objects.get(pk=viewer_user.pk)) == roles.DEVELOPER


def test_the_last_admin_cannot_step_down(client_as, admin_user):
    response = client_as(admin_user).post(f"/accounts/users/{admin_user.pk}/role/", {"role": roles.VIEWER},
                                          follow=True)
    assert "at least one Admin" in response.content.decode()
    assert roles.role_of(User.objects.get(pk=admin_user.pk)) == roles.ADMIN


def test_viewer_opening_an_admin_page_gets_a_friendly_403(client_as, viewer_user):
    response = client_as(viewer_user).get("/accounts/users/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "You do not have access to this" in body
    assert "Admin role" in body
    assert "Back to the dashboard" in body


def test_htmx_request_for_a_forbidden_page_gets_a_fragment(client_as, viewer_user):
    response = client_as(viewer_user).get("/accounts/users/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 403
    assert 'role="alert"' in body and "<html" not in body


def test_roles_are_groups_with_growing_permissions(db):
    roles.ensure_roles()
    roles.ensure_roles()  # repeating changes nothing
    from django.contrib.auth.models import Group

    perms = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert perms[roles.VIEWER] == {"view_studio"}
    assert perms[roles.DEVELOPER] == {"view_studio", "use_tools"}
    assert perms[roles.ADMIN] == {"view_studio", "use_tools", "manage_studio"}


def test_a_superuser_counts_as_admin(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    assert roles.role_of(superuser) == roles.ADMIN
    client.force_login(superuser)
    assert client.get("/accounts/users/").status_code == 200
