from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "studio.usage"
    label = "usage"
    verbose_name = "Usage"
