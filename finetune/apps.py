from django.apps import AppConfig


class FinetuneConfig(AppConfig):
    name = "finetune"
    label = "finetune"
    verbose_name = "Fine-tuning"
