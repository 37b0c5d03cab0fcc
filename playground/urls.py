from django.urls import path

from playground import stream, views
from playground.kinds import views as kinds

app_name = "playground"
urlpatterns = [
    path("", views.index, name="index"),
    path("chat/", views.chat, name="chat"),
    path("stream/", stream.stream, name="stream"),
    path("code/", views.view_code, name="code"),
    path("image-cost/", views.image_cost, name="image_cost"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/save/", views.session_save, name="session_save"),
    path("sessions/import/", views.session_import, name="session_import"),
    path("sessions/<int:pk>/rename/", views.session_rename, name="session_rename"),
    path("sessions/<int:pk>/share/", views.session_share, name="session_share"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/export/", views.session_export, name="session_export"),
    path("shared/<str:token>/", views.shared_session, name="shared_session"),
    path("presets/save/", views.preset_save, name="preset_save"),
    path("presets/<int:pk>/delete/", views.preset_delete, name="preset_delete"),
    # The other model kinds (playground.kinds)
    path("completions/", kinds.completions_page, name="completions"),
    path("completions/run/", kinds.completions_run, name="completions_run"),
    path("completions/tokens/", kinds.completion_tokens, name="completion_tokens"),
    path("embeddings/", kinds.embeddings_page, name="embeddings"),
    path("embeddings/run/", kinds.embeddings_run, name="embeddings_run"),
    path("images/", kinds.images_page, name="images"),
    path("images/generate/", kinds.images_generate, name="images_generate"),
    path("images/<int:pk>/", kinds.image_file, name="image_file"),
    path("audio/", kinds.audio_page, name="audio"),
    path("audio/transcribe/", kinds.audio_transcribe, name="audio_transcribe"),
    path("audio/speech/", kinds.audio_speech, name="audio_speech"),
    path("audio/code/", kinds.audio_code, name="audio_code"),
    path("audio/<int:pk>/", kinds.audio_file, name="audio_file"),
]
