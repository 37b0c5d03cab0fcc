from django.urls import path

from finetune import views

app_name = "finetune"
urlpatterns = [
    path("", views.index, name="index"),
]
