"""The Celery app: configuration comes from Django settings prefixed CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- Fine-tuning (finetune/tasks.py): sends approved jobs and polls the sent ones. ---
@app.on_after_finalize.connect
def _finetune_schedule(sender, **kwargs):
    from finetune import conf

    sender.conf.beat_schedule.setdefault(
        "finetune-monitor", {"task": "finetune.tasks.monitor_jobs", "schedule": float(conf.BEAT_SECONDS)})
