"""A Developer uploads a dataset with errors and sees them by line, fixes it, submits a job that waits for approval
(over the threshold); an Admin approves it; the job reaches succeeded with its loss chart drawn; the Admin deploys
the model and opens it in the chat playground beside its base model. A real Celery worker does the work."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from finetune import tasks
from finetune.models import FineTuningSettings, Job
from studio.accounts import roles
from studio.resources import sync
from studio.resources.models import Resource
from tests.engine_server import ACCOUNT, RESOURCE_GROUP, SUBSCRIPTION, EngineServer
from tests.finetune.conftest import ensure_prices

WAIT = 60_000
STEP = 20_000  # one page change on a busy two-core machine


@pytest.fixture(scope="module")
def engine():
    with EngineServer() as server:
        yield server


def lines(broken: bool) -> bytes:
    rows = [json.dumps({"messages": [{"role": "user", "content": f"River fact {i}?"},
                                     {"role": "assistant", "content": f"Fact {i}: rivers flow to the sea."}]})
            for i in range(12)]
    if broken:
        rows[2] = rows[2][:-3]  # cut short: invalid JSON on line 3
        rows[7] = json.dumps({"messages": [{"role": "user", "content": "no answer"}]})
    return ("\n".join(rows) + "\n").encode()


def engine_resource(engine) -> Resource:
    resource = Resource(name="Engine", kind=Resource.Kind.LOCAL_ENGINE, endpoint=engine.url, arm_endpoint=engine.url,
                        subscription_id=SUBSCRIPTION, resource_group=RESOURCE_GROUP, account_name=ACCOUNT,
                        allow_http_loopback=True)
    resource.set_api_key(engine.api_key)
    resource.set_arm_token(engine.arm_token)
    resource.save()
    sync.resource_sync(resource)
    return resource


def settled(page) -> None:
    """htmx has swapped and wired the redrawn form (a person never picks within the few ms this takes)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.wait_for_timeout(200)


def beat_until(predicate, page, timeout_s: float = 60):
    """Stand in for beat: send the due work to the worker until the predicate holds."""
    for _ in range(int(timeout_s * 2)):
        Job.objects.filter(state=Job.State.SUBMITTED).update(next_poll_at=None)
        tasks.monitor_jobs()
        if predicate():
            return
        page.wait_for_timeout(500)
    raise AssertionError("the worker did not get there in time")


def test_dataset_to_deployed_fine_tune(sign_in, make_user, site, engine, celery_worker, tmp_path):
    ensure_prices()
    resource = engine_resource(engine)
    make_user("dev", roles.DEVELOPER)
    make_user("ada", roles.ADMIN)
    FineTuningSettings.objects.update_or_create(pk=1, defaults={"approval_threshold": "0"})

    page = sign_in("dev")
    page.goto(f"{site}/fine-tuning/datasets/")
    page.set_input_files("#id_file", files=[{"name": "rivers.jsonl", "mimeType": "application/jsonl",
                                             "buffer": lines(broken=True)}])
    page.click("button:has-text('Upload and check')")
    errors = page.locator("#line-errors")
    expect(errors).to_contain_text("invalid JSON", timeout=WAIT)
    expect(errors.locator("tr", has_text="no assistant message")).to_contain_text("8", timeout=STEP)
    expect(errors.locator("tbody tr").first).to_contain_text("3", timeout=STEP)

    page.goto(f"{site}/fine-tuning/datasets/")
    page.set_input_files("#id_file", files=[{"name": "rivers-fixed.jsonl", "mimeType": "application/jsonl",
                                             "buffer": lines(broken=False)}])
    page.click("button:has-text('Upload and check')")
    expect(page.locator(".flash-success")).to_contain_text("ready to fine-tune", timeout=WAIT)
    page.click("text=Fine-tune with it")

    page.select_option("#id_resource", str(resource.pk))
    expect(page.locator("#id_base_model option", has_text="gpt-4o-mini 2024-07-18")).to_have_count(1, timeout=STEP)
    settled(page)
    expect(page.locator("#job-form .error")).to_have_count(0)  # nothing is a mistake while choosing
    page.select_option("#id_base_model", "gpt-4o-mini|2024-07-18")
    expect(page.locator("#estimated-cost")).to_contain_text("$", timeout=STEP)
    settled(page)
    page.fill("#id_n_epochs", "2")
    page.fill("#id_suffix", "rivers")
    page.click("#submit-job")
    expect(page.locator("#job-status")).to_have_text("awaiting approval", timeout=STEP)
    job = Job.objects.get()

    page.click("text=Sign out")
    page = sign_in("ada")
    page.goto(f"{site}/fine-tuning/jobs/{job.pk}/")
    expect(page.locator("#approval-cost")).to_contain_text("$", timeout=STEP)
    page.click("#approve-form button")
    expect(page.locator("#job-status")).not_to_have_text("awaiting approval", timeout=STEP)

    beat_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.FINISHED, page)
    expect(page.locator("#live-status")).to_have_text("succeeded", timeout=WAIT)  # htmx polling
    expect(page.locator("svg[data-series=train_loss] path.series")).to_have_count(1, timeout=STEP)
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=STEP)  # the header follows the live part
    assert Job.objects.get(pk=job.pk).fine_tuned_model.endswith("-rivers")  # what was typed survived the re-draws

    page.click("text=Deploy the model or a checkpoint")
    page.fill("#id_name", "rivers-ft")
    expect(page.locator("#hosting-cost")).to_contain_text("per hour", timeout=STEP)
    page.click("#confirm-deploy")
    for _ in range(120):
        if page.locator("#compare-link").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    link = page.locator("#compare-link")
    expect(link).to_contain_text("beside chat", timeout=STEP)
    page.click("#compare-link")
    assert "/playground/chat/?compare=" in page.url
    expect(page.locator(".column")).to_have_count(2, timeout=STEP)  # the fine-tune beside its base model
    page.fill("#prompt", "Tell me a river fact")
    page.press("#prompt", "Enter")
    for column in (0, 1):
        expect(page.locator(".column").nth(column).locator(".message.assistant .stats")).to_contain_text(
            "tokens", timeout=WAIT)
    expect(page.locator("#compare-table")).to_contain_text("rivers-ft", timeout=STEP)
