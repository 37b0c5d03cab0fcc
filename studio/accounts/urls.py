from django.urls import path

from studio.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("request-access/", views.request_access, name="request_access"),
    path("access-status/", views.access_status, name="access_status"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("profile/tokens/", views.api_token_issue, name="api_token_issue"),
    path("profile/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:user_id>/role/", views.user_set_role, name="user_set_role"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:user_id>/reset-link/", views.user_password_reset_link, name="user_password_reset_link"),
    path("sign-in-locks/lift/", views.sign_in_lock_lift, name="sign_in_lock_lift"),
    path("requests/<int:request_id>/approve/", views.access_request_approve, name="access_request_approve"),
    path("requests/<int:request_id>/decline/", views.access_request_decline, name="access_request_decline"),
]
