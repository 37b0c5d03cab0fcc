from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_migrate, post_save


class AccountsConfig(AppConfig):
    name = "studio.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from studio.accounts.roles import ensure_roles

        # Roles are data every install needs; recreating them after each migrate keeps them in step with the code.
        post_migrate.connect(lambda **kwargs: ensure_roles(), dispatch_uid="studio.accounts.ensure_roles", weak=False)
        # The relay's remembered role checks: a role given or taken, or an account changed, applies at once here.
        from django.contrib.auth import get_user_model

        from studio.accounts.access import forget_recent_roles

        user_model = get_user_model()
        m2m_changed.connect(forget_recent_roles, sender=user_model.groups.through, dispatch_uid="access-roles-m2m")
        post_save.connect(forget_recent_roles, sender=user_model, dispatch_uid="access-roles-user")
        user_logged_out.connect(forget_recent_roles, dispatch_uid="access-roles-logout")
