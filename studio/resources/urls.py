from django.urls import path

from studio.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("resources/new/", views.resource_create, name="create"),
    path("resources/<int:pk>/", views.resource_detail, name="detail"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="edit"),
    path("resources/<int:pk>/delete/", views.resource_delete, name="delete"),
    path("resources/<int:pk>/test/", views.resource_test, name="test"),
    path("resources/<int:pk>/sync/", views.resource_sync, name="sync"),
    path("resources/<int:pk>/quota/", views.resource_quota, name="quota"),
    path("resources/<int:pk>/operations/<int:operation_id>/", views.operation_status, name="operation"),
    path("resources/<int:pk>/new/", views.deployment_create, name="deployment_create"),
    path("resources/<int:pk>/d/<str:name>/", views.deployment_detail, name="deployment"),
    path("resources/<int:pk>/d/<str:name>/update/", views.deployment_update, name="deployment_update"),
    path("resources/<int:pk>/d/<str:name>/delete/", views.deployment_delete, name="deployment_delete"),
    path("resources/<int:pk>/content-filters/", views.content_filters, name="content_filters"),
    path("resources/<int:pk>/content-filters/new/", views.content_filter_edit, name="content_filter_create"),
    path("resources/<int:pk>/content-filters/<str:name>/", views.content_filter_edit, name="content_filter_edit"),
    path("resources/<int:pk>/blocklists/new/", views.blocklist_edit, name="blocklist_create"),
    path("resources/<int:pk>/blocklists/<str:name>/", views.blocklist_edit, name="blocklist_edit"),
]
