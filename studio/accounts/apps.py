from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "studio.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from studio.accounts.roles import ensure_roles

        # Roles are data every install needs; recreating them after each migrate keeps them in step with the code.
        post_migrate.connect(lambda **kwargs: ensure_roles(), dispatch_uid="studio.accounts.ensure_roles", weak=False)
