from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class UsageConfig(AppConfig):
    name = "studio.usage"
    label = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from studio.estimator.models import Price
        from studio.usage.records import price_book_forget

        post_save.connect(price_book_forget, sender=Price, dispatch_uid="usage-price-book-save")
        post_delete.connect(price_book_forget, sender=Price, dispatch_uid="usage-price-book-delete")
