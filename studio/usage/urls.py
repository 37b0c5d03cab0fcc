from django.urls import path

from studio.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.mine, name="mine"),
]
