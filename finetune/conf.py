"""Fine-tuning's timings, read once from the environment (strictly, by studio.env) with defaults for production."""

from __future__ import annotations

from studio.env import env_bool, env_int, env_str

# Beat looks for due work this often; each job then waits its own interval between polls.
BEAT_SECONDS = env_int("STUDIO_FINETUNE_BEAT_SECONDS", 10)
# A running job is polled this often; a queued one starts here and doubles up to the most.
POLL_SECONDS = env_int("STUDIO_FINETUNE_POLL_SECONDS", 10)
POLL_MAX_SECONDS = env_int("STUDIO_FINETUNE_POLL_MAX_SECONDS", 300)
# A poll holds its job this long; a worker killed mid-poll frees the job when the lease ends.
POLL_LEASE_SECONDS = env_int("STUDIO_FINETUNE_POLL_LEASE_SECONDS", 120)
# A submission untouched this long lost its worker and is resumed (every step touches the row).
SUBMIT_STALE_SECONDS = env_int("STUDIO_FINETUNE_SUBMIT_STALE_SECONDS", 300)
# How often the submission checks whether an uploaded file is processed, and for how long at most.
FILE_POLL_SECONDS = env_int("STUDIO_FINETUNE_FILE_POLL_SECONDS", 2)
FILE_WAIT_SECONDS = env_int("STUDIO_FINETUNE_FILE_WAIT_SECONDS", 1800)
SUBMIT_MAX_ATTEMPTS = env_int("STUDIO_FINETUNE_SUBMIT_ATTEMPTS", 6)
# A job waiting for a worker this long is sent again (its message may have been lost with Redis); not sooner, so a
# busy queue does not fill with copies.
RESEND_SECONDS = env_int("STUDIO_FINETUNE_RESEND_SECONDS", 60)


def email_configured() -> bool:
    """Email goes out only where an SMTP host was given; otherwise notifications stay in the app."""
    return bool(env_str("EMAIL_HOST"))


def email_connection_options() -> dict:
    """The SMTP server from the environment (Django's own EMAIL_* settings are not read from it in settings.py)."""
    return {"host": env_str("EMAIL_HOST"), "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER") or None, "password": env_str("EMAIL_HOST_PASSWORD") or None,
            "use_tls": env_bool("EMAIL_USE_TLS", False)}
