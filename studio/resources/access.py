"""Who may use a resource: everyone signed in (their role decides what they may do), or only the people an Admin
lists on it (Admins always may). One rule for the pages, the playgrounds' calls and fine-tuning."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from studio.accounts.access import user_may, user_may_recently
from studio.resources.models import Resource


def usable_resources(user) -> QuerySet[Resource]:
    if user_may(user, "admin"):
        return Resource.objects.all()
    if not user.is_authenticated:
        return Resource.objects.none()
    return Resource.objects.filter(Q(access=Resource.Access.EVERYONE) | Q(members=user)).distinct()


def resource_members(resource: Resource) -> frozenset[int] | None:
    """None when everyone may use it, else the ids of the people listed (kept with a cached deployment)."""
    if resource.access == Resource.Access.EVERYONE:
        return None
    return frozenset(resource.members.values_list("pk", flat=True))


def may_use(user, members: frozenset[int] | None, *, recent_only: bool = False) -> bool | None:
    """Whether the user may use a resource with these members; with `recent_only`, None when the answer would need
    the database (the stream's fast path then takes the slow one)."""
    if members is None or user.pk in members:
        return True
    return user_may_recently(user, "admin") if recent_only else user_may(user, "admin")


def refusal_message(resource: Resource) -> str:
    return (f"Only the people an Admin lists on the resource {resource.name} may use its deployments; ask an Admin "
            "to add you.")
