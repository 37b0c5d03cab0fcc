from django.urls import path

from studio.estimator import model_views, price_views, views

app_name = "estimator"
urlpatterns = [
    path("", views.text, name="text"),
    path("chat/", views.chat, name="chat"),
    path("chat/message/", views.chat_message, name="chat_message"),
    path("image/", views.image, name="image"),
    path("cost/", views.cost, name="cost"),
    path("dataset/", views.dataset, name="dataset"),
    path("dataset/checks/<uuid:validation_id>/", views.dataset_validation, name="dataset_validation"),
    path("prices/", price_views.price_list, name="prices"),
    path("models/", model_views.model_list, name="models"),
    path("models/new/", model_views.model_add, name="model_add"),
    path("models/<int:model_id>/edit/", model_views.model_edit, name="model_edit"),
    path("prices/new/", price_views.price_add, name="price_add"),
    path("prices/<int:price_id>/edit/", price_views.price_edit, name="price_edit"),
]
