from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "studio.resources"
    label = "resources"
    verbose_name = "Resources and deployments"
