"""Small template helpers of the deployments console."""

from django import template

register = template.Library()


@register.filter
def dict_get(mapping, key):
    """mapping[key] in a template, or an empty list."""
    return (mapping or {}).get(key, [])


@register.filter
def ago(moment):
    """'just now' under a minute, else Django's '3 minutes ago'."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if not moment:
        return "never"
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"
