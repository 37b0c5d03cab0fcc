"""The three roles (Admin, Developer, Viewer) as Django groups, and what each may do."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ADMIN = "Admin"
DEVELOPER = "Developer"
VIEWER = "Viewer"
ROLES = (ADMIN, DEVELOPER, VIEWER)

# Permission codenames live on accounts.Access; each role holds its own and everything below it.
VIEW = "accounts.view_studio"
USE = "accounts.use_tools"
MANAGE = "accounts.manage_studio"
ROLE_PERMISSIONS = {
    VIEWER: ("view_studio",),
    DEVELOPER: ("view_studio", "use_tools"),
    ADMIN: ("view_studio", "use_tools", "manage_studio"),
}
# The README's roles table repeats these words exactly (tests/test_readme.py); the role walk proves them.
ROLE_DESCRIPTIONS = {
    ADMIN: "Everything a Developer may, and manages resources, deployments, content filters, users, sign-in locks "
           "and prices.",
    DEVELOPER: "Everything a Viewer may, and sends to models (playground, fine-tuning), uses the estimator's JSON "
               "API and makes personal API tokens.",
    VIEWER: "Reads every page (deployments, quota, content filters, the audit trail, prices) and uses the estimator's "
            "page, which changes nothing; changes nothing.",
}


def ensure_roles() -> None:
    """Create the role groups with exactly their permissions; safe to run any number of times."""
    from studio.accounts.models import Access  # noqa: F401  (its permissions must exist first)

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        group.permissions.set(permissions)


def role_of(user) -> str | None:
    """The user's role name, or None for anonymous users and users not (yet) given one."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:  # created with `manage.py createsuperuser`: holds every permission already
        return ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLES if role in names), None)


def set_role(user, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    ensure_roles()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    # Drop the per-request permission cache so the new role applies at once.
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
