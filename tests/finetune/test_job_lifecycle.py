"""A job from request to a deployed model against the engine over real HTTP: submission once, monitoring stores
events, checkpoints and results.csv without duplicates, the submitter is told, and the model deploys."""

from __future__ import annotations

import pytest

from finetune import monitoring, submission
from finetune.models import Job, JobEvent, Notification
from studio.upstream import finetuning as upstream
from tests.finetune.conftest import poll_until_finished, training_jsonl
from tests.finetune.test_datasets import preference_lines


@pytest.fixture
def finished_job(synced_resource, make_dataset, request_job, django_capture_on_commit_callbacks):
    resource = synced_resource()
    with django_capture_on_commit_callbacks():  # the enqueue needs no broker here: the test runs the task's body
        job = request_job(resource, make_dataset(), validation=make_dataset(training_jsonl(10, "valid"), "v.jsonl"))
    assert job.state == Job.State.READY
    job = submission.job_submit(job.pk)
    assert job.state == Job.State.SUBMITTED and job.upstream_id.startswith("ftjob-")
    return poll_until_finished(job)


def test_a_job_is_sent_once_however_often_its_task_runs(finished_job):
    assert submission.job_submit(finished_job.pk) is None  # a duplicate delivery finds it claimed
    jobs = upstream.jobs_using_file(finished_job.resource, finished_job.training_file_id)
    assert [j["id"] for j in jobs] == [finished_job.upstream_id]


def test_a_finished_job_has_its_events_checkpoints_and_results_once(finished_job):
    job = finished_job
    assert job.state == Job.State.FINISHED and job.status == "succeeded"
    assert job.fine_tuned_model.startswith("gpt-4o-mini-2024-07-18.ft-") and job.fine_tuned_model.endswith("-rivers")
    every = upstream.job_events_since(job.resource, job.upstream_id, None)
    assert JobEvent.objects.filter(job=job).count() == len(every)
    assert set(job.events.values_list("upstream_id", flat=True)) == {e["id"] for e in every}
    # 12 examples / batch 4 = 3 steps per epoch, 2 epochs
    assert list(job.metrics.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert all(m.valid_loss is not None for m in job.metrics.all())
    assert [m.step for m in job.metrics.all() if m.full_valid_loss is not None] == [3, 6]
    assert list(job.checkpoints.values_list("step_number", flat=True)) == [6, 3]
    assert job.results_loaded and job.trained_tokens > 0 and job.final_cost > 0
    assert job.total_steps == 6


def test_polling_again_stores_nothing_twice(finished_job):
    events = JobEvent.objects.filter(job=finished_job).count()
    Job.objects.filter(pk=finished_job.pk).update(state=Job.State.SUBMITTED, last_event_id="", last_checkpoint_id="")
    again = monitoring.job_poll(finished_job.pk)
    assert again.state == Job.State.FINISHED
    assert JobEvent.objects.filter(job=finished_job).count() == events
    assert again.checkpoints.count() == 2


def test_the_submitter_is_told_when_the_job_succeeds(finished_job):
    told = Notification.objects.filter(user=finished_job.submitted_by, job=finished_job).last()
    assert "succeeded" in told.message and finished_job.fine_tuned_model in told.message


def test_the_job_page_draws_the_charts_and_offers_deploy(finished_job, client_as, admin_user):
    page = client_as(admin_user).get(f"/fine-tuning/jobs/{finished_job.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-series="train_loss"' in text and 'id="job-series"' in text and "Deploy the model" in text
    live = client_as(admin_user).get(f"/fine-tuning/jobs/{finished_job.pk}/live/", HTTP_HX_REQUEST="true")
    assert live.status_code == 286  # the job has ended: htmx stops polling


def test_deploying_the_model_goes_through_the_console_and_links_the_compare_playground(
        finished_job, client_as, admin_user, django_capture_on_commit_callbacks):
    from studio.resources import operations
    from studio.resources.models import Deployment, Operation

    client = client_as(admin_user)
    preview = client.post(f"/fine-tuning/jobs/{finished_job.pk}/deploy/",
                          {"name": "rivers", "target": finished_job.fine_tuned_model, "sku": "Standard",
                           "capacity": "5", "preview": "1"})
    assert preview.status_code == 200 and "per hour" in preview.content.decode()
    with django_capture_on_commit_callbacks():
        done = client.post(f"/fine-tuning/jobs/{finished_job.pk}/deploy/",
                           {"name": "rivers", "target": finished_job.fine_tuned_model, "sku": "Standard",
                            "capacity": "5", "confirm": "1"})
    assert done.status_code == 302
    operation = Operation.objects.get(target="rivers")
    assert operation.body["properties"]["model"] == {"format": "OpenAI", "name": finished_job.fine_tuned_model,
                                                     "version": "1"}
    assert operations.operation_run(operation.pk).status == "succeeded"
    deployment = Deployment.objects.get(resource=finished_job.resource, name="rivers")
    base = Deployment.objects.get(resource=finished_job.resource, name="chat")  # gpt-4o-mini on the engine
    page = client.get(f"/fine-tuning/jobs/{finished_job.pk}/").content.decode()
    assert f"/playground/chat/?compare={deployment.pk},{base.pk}" in page


def test_cancelling_a_running_job_stops_it_upstream(synced_resource, make_dataset, request_job, client_as,
                                                    developer_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = request_job(synced_resource(), make_dataset(), hyperparameters={"n_epochs": 50, "batch_size": 1})
    job = submission.job_submit(job.pk)
    response = client_as(developer_user).post(f"/fine-tuning/jobs/{job.pk}/cancel/", follow=True)
    assert response.status_code == 200
    job = poll_until_finished(job)
    assert job.status == "cancelled" and job.state == Job.State.FINISHED and job.cancelled_by == developer_user
    assert "cancelled" in Notification.objects.filter(user=developer_user).first().message


def test_a_cancel_asked_while_sending_is_applied_once_the_service_has_the_job(
        synced_resource, make_dataset, request_job, admin_user, django_capture_on_commit_callbacks):
    from finetune import services

    with django_capture_on_commit_callbacks():
        job = request_job(synced_resource(), make_dataset(), hyperparameters={"n_epochs": 50, "batch_size": 1})
    Job.objects.filter(pk=job.pk).update(state=Job.State.SUBMITTING)
    job.refresh_from_db()
    assert "being sent" in services.job_cancel(job, admin_user)
    Job.objects.filter(pk=job.pk).update(state=Job.State.READY)
    job = submission.job_submit(job.pk)
    assert job.upstream_status == "cancelled"
    assert poll_until_finished(job).status == "cancelled"


def test_a_viewer_sees_a_job_but_cannot_cancel_it(finished_job, client_as, viewer_user):
    client = client_as(viewer_user)
    assert client.get(f"/fine-tuning/jobs/{finished_job.pk}/").status_code == 200
    assert client.post(f"/fine-tuning/jobs/{finished_job.pk}/cancel/").status_code == 403


def test_notifications_show_in_the_nav_and_are_marked_read(finished_job, client_as):
    client = client_as(finished_job.submitted_by)
    home = client.get("/fine-tuning/").content.decode()
    assert 'id="notification-bell"' in home and "1 unread notification" in home
    page = client.get("/fine-tuning/notifications/").content.decode()
    assert "succeeded" in page
    client.post("/fine-tuning/notifications/")
    assert "0 unread notifications" in client.get("/fine-tuning/").content.decode()


def test_a_checkpoint_is_offered_and_sent_through_the_console(finished_job, client_as, admin_user,
                                                              django_capture_on_commit_callbacks):
    from studio.resources import operations
    from studio.resources.models import Deployment, Operation

    checkpoint = finished_job.checkpoints.order_by("step_number").first()
    client = client_as(admin_user)
    form = client.get(f"/fine-tuning/jobs/{finished_job.pk}/deploy/").content.decode()
    assert f"{checkpoint.model_name} (step {checkpoint.step_number})" in form
    with django_capture_on_commit_callbacks():
        client.post(f"/fine-tuning/jobs/{finished_job.pk}/deploy/", {
            "name": "rivers-early", "target": checkpoint.model_name, "sku": "DeveloperTier", "capacity": "5",
            "confirm": "1"})
    operation = Operation.objects.get(target="rivers-early")
    assert operation.body["properties"]["model"]["name"] == checkpoint.model_name
    assert operation.body["sku"] == {"name": "DeveloperTier", "capacity": 5}
    ran = operations.operation_run(operation.pk)
    assert ran.status == "succeeded", ran.message
    deployed = Deployment.objects.get(resource=finished_job.resource, name="rivers-early")
    assert deployed.model_name == checkpoint.model_name and deployed.sku_name == "DeveloperTier"


def test_a_dpo_job_goes_upstream_with_its_pairs_and_beta_and_succeeds(
        synced_resource, make_dataset, request_job, django_capture_on_commit_callbacks):
    resource = synced_resource()
    pairs = make_dataset(preference_lines(12), "pairs.jsonl", model="gpt-4o", method="dpo")
    with django_capture_on_commit_callbacks():
        job = request_job(resource, pairs, model="gpt-4o", method="dpo", beta=0.3)
    job = poll_until_finished(submission.job_submit(job.pk))
    assert job.state == Job.State.FINISHED and job.status == "succeeded", job.problem
    sent = upstream.job_retrieve(resource, job.upstream_id)
    assert sent["method"]["type"] == "dpo" and sent["method"]["dpo"] == {"hyperparameters": {
        "n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 1.0, "beta": 0.3}}
    assert list(job.metrics.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6]
