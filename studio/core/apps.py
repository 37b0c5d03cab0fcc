from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "studio.core"
    label = "core"
    verbose_name = "Studio core"

    def ready(self) -> None:
        # Load the Celery app in every Django process so that @shared_task binds to it.
        import studio.celery  # noqa: F401
