from django.apps import AppConfig


class EstimatorConfig(AppConfig):
    name = "studio.estimator"
    label = "estimator"
    verbose_name = "Estimator"
