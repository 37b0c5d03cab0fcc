"""Telling people about their jobs: a notification in the app, and an email where email is configured."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.mail import get_connection, send_mail
from django.urls import reverse

from finetune import conf
from finetune.models import Job, Notification
from studio.accounts import roles

log = logging.getLogger(__name__)


def notify(user, job: Job | None, message: str) -> None:
    if user is None:
        return
    Notification.objects.create(user=user, job=job, message=message[:500])
    if conf.email_configured() and user.email:
        link = reverse("finetune:job", kwargs={"pk": job.pk}) if job else ""
        try:
            send_mail(f"Studio: {message[:120]}", f"{message}\n\n{link}", None, [user.email],
                      connection=get_connection(**conf.email_connection_options()))
        except OSError as error:  # an unreachable mail server must not undo the change it reports
            log.warning("could not email %s: %s", user.email, error)


def notify_admins(job: Job, message: str) -> None:
    for admin in get_user_model().objects.filter(is_active=True):
        if roles.role_of(admin) == roles.ADMIN:
            notify(admin, job, message)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
