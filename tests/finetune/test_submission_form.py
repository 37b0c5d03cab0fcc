"""The submission form and the team workflow: cost shown before sending, threshold, approval, decline, roles."""

from __future__ import annotations

import pytest
from django.core import mail

from finetune import conf, services
from finetune.models import FineTuningSettings, Job, Notification
from tests.finetune.test_datasets import image_lines


@pytest.fixture
def form_data(synced_resource, make_dataset):
    resource = synced_resource()
    dataset = make_dataset()
    return {"resource": resource.pk, "base_model": "gpt-4o-mini|2024-07-18", "method": "supervised",
            "training_type": "Standard", "training_dataset": dataset.pk, "n_epochs": "2", "batch_size": "auto",
            "learning_rate_multiplier": "auto", "suffix": "rivers", "notes": "first try"}


def test_the_form_offers_the_resources_fine_tunable_models_and_shows_the_cost(form_data, client_as, developer_user):
    client = client_as(developer_user)
    response = client.post("/fine-tuning/jobs/new/", form_data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and not Job.objects.exists()  # htmx only recomputes
    assert "gpt-4o-mini 2024-07-18 (Supervised)" in page and "babbage-002 2" in page
    assert "gpt-4o-mini-tts" not in page  # not fine-tunable
    assert 'id="estimated-cost"' in page and "$" in page and "(2 epochs)" in page


def test_the_cost_follows_the_training_type(form_data, client_as, developer_user):
    client = client_as(developer_user)
    standard = client.post("/fine-tuning/jobs/new/", form_data, HTTP_HX_REQUEST="true").context["estimate"]
    developer = client.post("/fine-tuning/jobs/new/", {**form_data, "training_type": "Developer"},
                            HTTP_HX_REQUEST="true").context["estimate"]
    assert standard.training.cost and developer.training.cost
    assert developer.training.cost.total < standard.training.cost.total


@pytest.mark.parametrize(("field", "value", "message"), [
    ("suffix", "has space", "up to 40 letters"),
    ("suffix", "x" * 41, "at most 40"),
    ("n_epochs", "0", "between 1 and 50"),
    ("n_epochs", "many", "whole number or auto"),
    ("learning_rate_multiplier", "-1", "above 0"),
    ("base_model", "gpt-4o-mini-tts|2025-12-15", "Select a valid choice"),
])
def test_bad_input_is_refused_with_the_input_kept(form_data, client_as, developer_user, field, value, message):
    response = client_as(developer_user).post("/fine-tuning/jobs/new/", {**form_data, field: value})
    page = response.content.decode()
    assert response.status_code == 400 and message in page and not Job.objects.exists()
    assert "first try" in page  # the notes are still there


def test_warnings_must_be_acknowledged(form_data, make_dataset, client_as, developer_user,
                                       django_capture_on_commit_callbacks):
    warned = make_dataset(image_lines(), "images.jsonl")
    client = client_as(developer_user)
    refused = client.post("/fine-tuning/jobs/new/", {**form_data, "training_dataset": warned.pk})
    assert refused.status_code == 400 and "read them, then tick this box" in refused.content.decode()
    with django_capture_on_commit_callbacks():
        sent = client.post("/fine-tuning/jobs/new/", {**form_data, "training_dataset": warned.pk,
                                                      "acknowledge_warnings": "on"})
    assert sent.status_code == 302 and Job.objects.count() == 1


def test_a_dataset_with_errors_cannot_be_chosen(form_data, make_dataset, client_as, developer_user):
    from tests.finetune.test_datasets import BROKEN_FILE

    broken = make_dataset(BROKEN_FILE, "broken.jsonl")
    response = client_as(developer_user).post("/fine-tuning/jobs/new/", {**form_data, "training_dataset": broken.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_job_under_the_threshold_is_sent_at_once(form_data, client_as, developer_user,
                                                   django_capture_on_commit_callbacks):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "1000"})
    with django_capture_on_commit_callbacks() as queued:
        response = client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    assert response.status_code == 302 and job.state == Job.State.READY and len(queued) == 1
    assert job.submitted_by == developer_user and job.notes == "first try" and job.estimated_cost > 0
    assert job.hyperparameters == {"n_epochs": 2} and job.base_model == "gpt-4o-mini-2024-07-18"


def test_a_job_over_the_threshold_waits_for_an_admin(form_data, client_as, developer_user, admin_user,
                                                     django_capture_on_commit_callbacks):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    with django_capture_on_commit_callbacks() as queued:
        client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    assert job.state == Job.State.AWAITING_APPROVAL and queued == []
    assert "waits for your approval" in Notification.objects.get(user=admin_user).message
    page = client_as(admin_user).get(f"/fine-tuning/jobs/{job.pk}/").content.decode()
    assert 'id="approval-cost"' in page and "examples" in page and 'id="approve-form"' in page


def test_an_admin_approves_and_the_submitter_is_told(form_data, client_as, developer_user, admin_user,
                                                     django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setenv("EMAIL_HOST", "mail.example.com")
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as queued:
        response = client_as(admin_user).post(f"/fine-tuning/jobs/{job.pk}/approve/", {"note": "go ahead"})
    job.refresh_from_db()
    assert response.status_code == 302 and job.state == Job.State.READY and len(queued) == 1
    assert job.decided_by == admin_user and job.decision_note == "go ahead"
    told = Notification.objects.filter(user=developer_user).get()
    assert "approved by ada: go ahead" in told.message
    assert conf.email_configured() and mail.outbox[0].to == ["dev@example.com"]
    with pytest.raises(services.NotAllowed):
        services.job_approve(job, admin_user)  # approving twice changes nothing


def test_an_admin_declines(form_data, client_as, developer_user, admin_user):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    client_as(admin_user).post(f"/fine-tuning/jobs/{job.pk}/decline/", {"note": "too dear"})
    job.refresh_from_db()
    assert job.state == Job.State.DECLINED and job.status == "declined"
    assert "declined by ada: too dear" in Notification.objects.get(user=developer_user).message


def test_developers_cannot_approve_and_viewers_cannot_submit(form_data, client_as, developer_user, viewer_user):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    assert client_as(developer_user).post(f"/fine-tuning/jobs/{job.pk}/approve/").status_code == 403
    assert client_as(viewer_user).post("/fine-tuning/jobs/new/", form_data).status_code == 403
    job.refresh_from_db()
    assert job.state == Job.State.AWAITING_APPROVAL


def test_only_admins_set_the_threshold(client_as, admin_user, developer_user):
    assert client_as(developer_user).post("/fine-tuning/settings/", {"approval_threshold": "5"}).status_code == 403
    assert client_as(admin_user).post("/fine-tuning/settings/", {"approval_threshold": "-1"}).status_code == 400
    assert client_as(admin_user).post("/fine-tuning/settings/", {"approval_threshold": "12.50"}).status_code == 302
    assert str(FineTuningSettings.current().approval_threshold) == "12.50"


def test_a_developer_cancels_their_own_waiting_job_but_not_anothers(form_data, client_as, developer_user,
                                                                    make_user, admin_user):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    job = Job.objects.get()
    other = make_user("other", "Developer")
    client = client_as(other)
    client.post(f"/fine-tuning/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.state == Job.State.AWAITING_APPROVAL
    confirm = client_as(developer_user).get(f"/fine-tuning/jobs/{job.pk}/cancel/")
    assert 'id="confirm-cancel"' in confirm.content.decode()
    client_as(developer_user).post(f"/fine-tuning/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED and job.status == "cancelled"


def test_the_jobs_list_filters(form_data, client_as, developer_user, admin_user, django_capture_on_commit_callbacks):
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})
    client_as(developer_user).post("/fine-tuning/jobs/new/", form_data)
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "1000"})
    with django_capture_on_commit_callbacks():
        client_as(admin_user).post("/fine-tuning/jobs/new/", {**form_data, "suffix": "mine"})
    client = client_as(developer_user)

    def listed(**query):
        return [job.suffix for job in client.get("/fine-tuning/", query).context["jobs"]]

    assert sorted(listed()) == ["mine", "rivers"]
    assert listed(status="awaiting approval") == ["rivers"]
    assert listed(submitter="ada") == ["mine"]
    assert listed(base_model="gpt-4o-mini-2024-07-18", status="submitting") == ["mine"]
    assert listed(resource="987654") == [] and listed(status="nonsense") == []
    # The table refreshes itself, keeping its filters, while a listed job is on its way; not when none is.
    moving = client.get("/fine-tuning/", {"submitter": "ada"}).content.decode()
    assert 'hx-get="/fine-tuning/?submitter=ada" hx-trigger="every 10s"' in moving
    waiting = client.get("/fine-tuning/", {"status": "awaiting approval"}, HTTP_HX_REQUEST="true")
    assert waiting.status_code == 200 and "hx-trigger" not in waiting.content.decode()


def test_dpo_needs_preference_pairs_and_sends_beta(form_data, make_dataset, client_as, developer_user,
                                                   django_capture_on_commit_callbacks):
    from tests.finetune.test_datasets import preference_lines

    pairs = make_dataset(preference_lines(), "pairs.jsonl", model="gpt-4o", method="dpo")
    dpo = {**form_data, "base_model": "gpt-4o|2024-08-06", "method": "dpo", "beta": "0.2"}
    client = client_as(developer_user)
    refused = client.post("/fine-tuning/jobs/new/", dpo)  # form_data's dataset is chat, not pairs
    assert refused.status_code == 400 and "needs Preference pairs (DPO)" in refused.content.decode()
    wrong_model = client.post("/fine-tuning/jobs/new/", {**dpo, "base_model": "gpt-4o-mini|2024-07-18",
                                                         "training_dataset": pairs.pk})
    assert wrong_model.status_code == 400 and "Select a valid choice. dpo" in wrong_model.content.decode()
    with django_capture_on_commit_callbacks():
        sent = client.post("/fine-tuning/jobs/new/", {**dpo, "training_dataset": pairs.pk})
    job = Job.objects.get()
    assert sent.status_code == 302 and job.method == "dpo" and job.beta == 0.2
    from finetune.submission import _method

    assert _method(job) == {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}}


def test_email_goes_to_the_smtp_server_the_environment_names(monkeypatch):
    from django.core.mail.backends.smtp import EmailBackend

    monkeypatch.setenv("EMAIL_HOST", "mail.example.com")
    monkeypatch.setenv("EMAIL_PORT", "2525")
    monkeypatch.setenv("EMAIL_USE_TLS", "true")
    backend = EmailBackend(**conf.email_connection_options())
    assert (backend.host, backend.port, backend.use_tls) == ("mail.example.com", 2525, True)


def test_the_registry_decides_the_methods_of_azure_models(synced_resource):
    choices = {c.entry.name: c.methods for c in services.base_models(synced_resource())}
    assert choices["gpt-4o-mini"] == ("supervised",) and "dpo" in choices["gpt-4o"]
    assert choices["babbage-002"] == ("supervised",)
