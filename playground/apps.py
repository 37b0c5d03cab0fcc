from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "Playground"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.contrib.sessions.models import Session

        from playground.calls import DEPLOYMENTS
        from playground.relay_endpoint import SESSIONS
        from studio.resources.models import Deployment, Resource

        # The relay's remembered sessions: signing out, a session ended, or any account change forgets them all.
        user_model = get_user_model()
        user_logged_out.connect(SESSIONS.clear, dispatch_uid="relay-sessions-logout")
        post_delete.connect(SESSIONS.clear, sender=Session, dispatch_uid="relay-sessions-session")
        post_save.connect(SESSIONS.clear, sender=user_model, dispatch_uid="relay-sessions-user")
        m2m_changed.connect(SESSIONS.clear, sender=user_model.groups.through, dispatch_uid="relay-sessions-roles")

        # The relay's remembered deployments: a change saved in this process applies to the next call at once.
        for model in (Deployment, Resource):
            post_save.connect(DEPLOYMENTS.clear, sender=model, dispatch_uid=f"relay-forget-{model.__name__}-save")
            post_delete.connect(DEPLOYMENTS.clear, sender=model, dispatch_uid=f"relay-forget-{model.__name__}-delete")
        m2m_changed.connect(DEPLOYMENTS.clear, sender=Resource.members.through, dispatch_uid="relay-forget-members")
