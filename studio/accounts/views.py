"""Sign-in, access requests, the user list for Admins, and the profile page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from studio.accounts import api_tokens, rate_limits, roles, services, sign_in_throttle
from studio.accounts.access import admin_required, developer_required, public, signed_in, viewer_required
from studio.accounts.client_address import client_address
from studio.accounts.forms import AccessRequestForm, ApiTokenForm, DeclineForm, InviteForm, LoginForm, RoleForm
from studio.accounts.models import AccessRequest, ApiToken

User = get_user_model()
NEW_TOKEN_SESSION_KEY = "studio_new_api_token"  # noqa: S105 - a session key name, not a secret


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        sign_in_throttle.clear(form.get_user().get_username(), client_address(self.request))
        return super().form_valid(form)

    def get_success_url(self):
        # People whose access request is still open (or was declined) land on its status page.
        if roles.role_of(self.request.user) is None:
            return reverse_lazy("accounts:access_status")
        return super().get_success_url()


login = public(LoginView.as_view())
logout = public(auth_views.LogoutView.as_view())
set_password = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/set_password.html", success_url=reverse_lazy("accounts:login"), post_reset_login=False
    )
)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


# Any signed-in account may change its own password, with or without a role.
password_change = signed_in(PasswordChangeView.as_view())


@public
def request_access(request):
    if request.user.is_authenticated:
        return redirect("accounts:access_status")
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST":
        wait = rate_limits.hit("access_request", client_address(request),
                               limit=settings.STUDIO_ACCESS_REQUESTS_PER_HOUR, window=timedelta(hours=1))
        if wait is not None:
            minutes = -(-wait // 60)
            form.add_error(None, f"Too many requests for access from your address. Try again in {minutes} "
                                 f"minute{'s' if minutes != 1 else ''}, or ask an Admin to invite you.")
            return render(request, "accounts/request_access.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        services.access_request_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            intended_use=form.cleaned_data["intended_use"],
        )
        messages.success(request, "Your request is sent. Sign in at any time to see the answer.")
        return redirect("accounts:login")
    return render(request, "accounts/request_access.html", {"form": form})


@signed_in
def access_status(request):
    access_request = AccessRequest.objects.filter(user=request.user).first()
    if roles.role_of(request.user) and (access_request is None or not access_request.is_pending):
        return redirect("core:home")
    return render(request, "accounts/access_status.html", {"access_request": access_request})


def _profile(request, **context):
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if new_token:
        context["new_token"], context["new_token_name"] = new_token["raw"], new_token["name"]
    context = {
        "role_description": roles.ROLE_DESCRIPTIONS.get(roles.role_of(request.user)),
        "api_tokens": ApiToken.objects.filter(user=request.user),
        "token_form": ApiTokenForm(),
        **context,
    }
    return render(request, "accounts/profile.html", context)


@viewer_required
def profile(request):
    response = _profile(request)
    # The page may show a new token once: it must never be cached by the browser or a proxy.
    add_never_cache_headers(response)
    return response


@developer_required
@require_POST
def api_token_issue(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, token_form=form)
    token, raw = api_tokens.issue(request.user, form.cleaned_data["name"])
    # Post/redirect/get, so a refresh cannot issue a second token. The raw token waits in the server-side session
    # for the one page view that shows it, and is popped there.
    request.session[NEW_TOKEN_SESSION_KEY] = {"raw": raw, "name": token.name}
    return redirect(f"{reverse('accounts:profile')}#api-tokens")


@viewer_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_tokens.revoke(token)
    messages.success(request, f"The token {token.name} is revoked; requests that send it now get 401.")
    return redirect("accounts:profile")


@admin_required
def user_list(request):
    invite_form = InviteForm(request.POST or None)
    invite_link = None
    if request.method == "POST" and invite_form.is_valid():
        user = services.user_invite(**invite_form.cleaned_data)
        invite_link = request.build_absolute_uri(services.set_password_path(user))
        messages.success(request, f"{user.username} is invited. Send them the link below; it is shown only once.")
        invite_form = InviteForm()
    users = User.objects.order_by("-is_active", "username").prefetch_related("groups")
    pending = AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).select_related("user")
    context = {
        "users": [(user, roles.role_of(user)) for user in users],
        "pending": pending,
        "invite_form": invite_form,
        "invite_link": invite_link,
        "role_choices": roles.ROLES,
        "decline_form": DeclineForm(),
        "sign_in_locks": sign_in_throttle.active_locks(),
    }
    return render(request, "accounts/user_list.html", context)


@admin_required
@require_POST
def user_set_role(request, user_id: int):
    user = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles Admin, Developer or Viewer.")
        return redirect("accounts:user_list")
    try:
        messages.success(request, services.user_set_role(user, form.cleaned_data["role"]))
    except services.RoleChangeRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("accounts:user_list")


@admin_required
@require_POST
def user_deactivate(request, user_id: int):
    user = get_object_or_404(User, pk=user_id, is_active=True)
    if user == request.user:
        messages.error(request, "You cannot deactivate yourself; ask another Admin.")
        return redirect("accounts:user_list")
    try:
        messages.success(request, services.user_deactivate(user))
    except services.RoleChangeRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("accounts:user_list")


@admin_required
@require_POST
def user_reactivate(request, user_id: int):
    user = get_object_or_404(User, pk=user_id, is_active=False)
    messages.success(request, services.user_reactivate(user))
    return redirect("accounts:user_list")


@admin_required
@require_POST
def user_password_reset_link(request, user_id: int):
    """A one-time set-password link for a user who forgot theirs; it stops working once used."""
    user = get_object_or_404(User, pk=user_id, is_active=True)
    link = request.build_absolute_uri(services.set_password_path(user))
    response = render(request, "accounts/password_reset_link.html", {"member": user, "link": link})
    add_never_cache_headers(response)
    return response


@admin_required
@require_POST
def sign_in_lock_lift(request):
    username = request.POST.get("username", "")
    address = request.POST.get("ip_address", "")
    lifted = sign_in_throttle.lift(username=username, ip_address=address)
    who = f"{username} from {address}" if username else f"every account from {address}"
    messages.success(request, f"The sign-in pause for {who} is lifted ({lifted} failed attempts forgotten).")
    return redirect("accounts:user_list")


@admin_required
@require_POST
def access_request_approve(request, request_id: int):
    access_request = get_object_or_404(AccessRequest, pk=request_id, status=AccessRequest.Status.PENDING)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the role to give before approving.")
        return redirect("accounts:user_list")
    services.access_request_approve(access_request, role=form.cleaned_data["role"], decided_by=request.user)
    role = services.an(form.cleaned_data["role"])
    messages.success(request, f"{access_request.user.username} is approved as {role}.")
    return redirect("accounts:user_list")


@admin_required
@require_POST
def access_request_decline(request, request_id: int):
    access_request = get_object_or_404(AccessRequest, pk=request_id, status=AccessRequest.Status.PENDING)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason when you decline; the requester sees it.")
        return redirect("accounts:user_list")
    services.access_request_decline(access_request, reason=form.cleaned_data["reason"], decided_by=request.user)
    messages.success(request, f"The request from {access_request.user.username} is declined.")
    return redirect("accounts:user_list")
