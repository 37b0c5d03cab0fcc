from django.urls import path

from studio.estimator import api

app_name = "api"
urlpatterns = [
    path("estimate", api.estimate, name="estimate"),
]
