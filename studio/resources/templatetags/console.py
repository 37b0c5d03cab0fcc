"""Small template helpers of the deployments console."""

from django import template

register = template.Library()


@register.filter
def dict_get(mapping, key):
    """mapping[key] in a template, or an empty list."""
    return (mapping or {}).get(key, [])
