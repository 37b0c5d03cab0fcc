"""Fine-tuning's template helpers: a time left in words, and the nav's count of unread notifications."""

from __future__ import annotations

from datetime import timedelta

from django import template

from finetune.notifications import unread_count

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    if not value:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    user = context.get("user")
    return unread_count(user) if user is not None and user.is_authenticated else 0
