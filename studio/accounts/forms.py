"""Forms for signing in, asking for access, inviting users and answering access requests."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator

from studio.accounts import roles, sign_in_throttle
from studio.accounts.client_address import client_address

User = get_user_model()
ROLE_CHOICES = [(role, role) for role in roles.ROLES]


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That username and password do not match. Check both and try again.",
        "inactive": "This account is disabled. Ask an Admin to enable it.",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        address = client_address(self.request)
        if username and (lock := sign_in_throttle.lock_for(username, address)):
            minutes = lock.minutes_left
            what = "this account from your address" if lock.username else "any account from your address"
            raise forms.ValidationError(
                f"Too many wrong passwords: signing in to {what} is paused for {minutes} more "
                f"minute{'s' if minutes != 1 else ''}. Sign-ins from other addresses are not affected. "
                "An Admin can lift the pause on the Users page; if you forgot your password, ask an Admin for a "
                "password reset link.",
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login" or "invalid_login" in getattr(error, "error_dict", {}):
                sign_in_throttle.record_failure(username, address)
            raise


# Letters, digits and . _ @ + -, starting with a letter or digit: names that read the same everywhere they are shown
# (pages, audit trails, logs) and cannot carry markup.
username_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,149}\Z",
    "Use 2 to 150 characters: letters, digits and . _ @ + - (starting with a letter or digit).",
    code="invalid_username",
)


class UsernameEmailMixin:
    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken; choose another.")
        return username


class AccessRequestForm(UsernameEmailMixin, forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    intended_use = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="What will you use Studio for? Admins read this before they answer.",
    )
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InviteForm(UsernameEmailMixin, forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=roles.DEVELOPER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, help_text="The requester sees this reason."
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name",
                           help_text="What it is for, e.g. the script or the machine that uses it.")
