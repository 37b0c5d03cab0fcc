from django.urls import path

from finetune import views

app_name = "finetune"
urlpatterns = [
    path("", views.index, name="index"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/upload/", views.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/delete/", views.dataset_delete, name="dataset_delete"),
    path("jobs/new/", views.job_create, name="job_create"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/live/", views.job_live, name="job_live"),
    path("jobs/<int:pk>/approve/", views.job_approve, name="job_approve"),
    path("jobs/<int:pk>/decline/", views.job_decline, name="job_decline"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/deploy/", views.job_deploy, name="job_deploy"),
    path("settings/", views.settings_edit, name="settings"),
    path("notifications/", views.notifications, name="notifications"),
]
