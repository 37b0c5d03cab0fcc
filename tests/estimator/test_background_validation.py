"""Big dataset files are checked by a Celery worker while the page polls the progress; the report is kept."""

import json
import re
import stat
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studio.estimator import uploads, validations
from studio.estimator.models import BackgroundValidation


def example(i):
    return json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                    {"role": "assistant", "content": f"answer {i}"}]})


def training_file(lines):
    return SimpleUploadedFile("big.jsonl", ("\n".join(lines) + "\n").encode(), content_type="application/jsonl")


def form_data(lines, **extra):
    return {"model": "gpt-4o-mini", "epochs": "auto", "deployment_type": "GlobalStandard",
            "training_file": training_file(lines), **extra}


POLL = {"HX-Request": "true", "HX-Target": "dataset-result"}


@pytest.fixture
def background(settings, tmp_path):
    """Every file counts as big, and uploads go to a folder of the test's own (nothing is left in var/)."""
    settings.STUDIO_INLINE_DATASET_BYTES = 10
    settings.STUDIO_UPLOAD_DIR = tmp_path / "data" / "uploads"  # made with its parents when missing
    return tmp_path / "data" / "uploads"


def wait_for_the_check(client, url, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url, headers=POLL)
        if response.status_code == 286:
            return response
        assert response.status_code == 200
        time.sleep(0.3)
    raise AssertionError("the worker did not finish the check in time")


@pytest.mark.django_db(transaction=True)
def test_a_big_file_is_checked_by_the_worker_while_the_page_polls(client_as, developer_user, background,
                                                                  celery_worker):
    client = client_as(developer_user)
    lines = [example(i) for i in range(12)]
    lines.insert(4, '{"messages": ' + "[" * 100_000)  # line 5: deep and broken; the rest must still count
    response = client.post("/estimator/dataset/", form_data(lines), headers=POLL)
    body = response.content.decode()
    validation = BackgroundValidation.objects.get()
    url = f"/estimator/dataset/checks/{validation.pk}/"
    assert response.status_code == 200 and f'hx-get="{url}"' in body and 'hx-trigger="every 1s"' in body
    assert "<progress" in body

    done = wait_for_the_check(client, url).content.decode()
    assert 'id="example-count">12<' in done and 'id="broken-count">1<' in done
    assert re.search(r'<td class="num">5</td><td>JSON is nested more than 64 levels deep', done)
    assert "hx-trigger" not in done  # nothing polls any more
    validation.refresh_from_db()
    assert validation.status == "done" and validation.lines_read == 13 and validation.finished_at
    assert not list(background.rglob("*.jsonl"))  # the estimator keeps the report, not the file

    page = client.get(url).content.decode()  # the link still shows the report, as a whole page
    assert "<html" in page and 'id="example-count">12<' in page


def test_a_failed_check_stops_the_polling_and_says_why(client_as, developer_user, background):
    validation = _stored(developer_user, [example(1)])
    BackgroundValidation.objects.filter(pk=validation.pk).update(status="failed", error="the file is gone")
    response = client_as(developer_user).get(f"/estimator/dataset/checks/{validation.pk}/", headers=POLL)
    body = response.content.decode()
    assert response.status_code == 286 and "big.jsonl could not be checked:</strong> the file is gone" in body
    assert "hx-trigger" not in body


def test_the_upload_is_private_to_the_user_running_studio(developer_user, background):
    upload = training_file([example(1)])
    path = uploads.store_upload(upload, developer_user.pk)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(background.stat().st_mode) == 0o700
    assert path.read_bytes() == ("\n".join([example(1)]) + "\n").encode()
    assert path.name != "big.jsonl"  # the upload's own name never becomes a path


def test_running_the_check_writes_progress_keeps_the_report_and_removes_the_file(developer_user, background,
                                                                                   monkeypatch):
    monkeypatch.setattr(validations, "PROGRESS_SECONDS", 0)
    monkeypatch.setattr("shared_rules.datasets.PROGRESS_EVERY_LINES", 2)
    validation = _stored(developer_user, [example(i) for i in range(10)])
    stored_lines = []
    write = validations._ProgressWriter.__call__

    def write_and_look(self, lines, size):
        write(self, lines, size)
        stored_lines.append(BackgroundValidation.objects.get(pk=self.pk).lines_read)

    monkeypatch.setattr(validations._ProgressWriter, "__call__", write_and_look)
    validations.run_dataset_validation(validation.pk)
    validation.refresh_from_db()
    assert stored_lines[:5] == [2, 4, 6, 8, 10]  # written to the row as the lines went by
    assert validation.status == "done" and validation.percent == 100
    assert validation.lines_read == 10 and validation.bytes_read == validation.file_size
    assert validation.result["report"]["examples"] == 10
    assert not list(background.rglob("*.jsonl"))


def test_running_a_finished_check_again_changes_nothing(developer_user, background):
    validation = _stored(developer_user, [example(i) for i in range(10)])
    validations.run_dataset_validation(validation.pk)
    validation.refresh_from_db()
    finished_at = validation.finished_at
    validations.run_dataset_validation(validation.pk)  # a second delivery of the task
    validation.refresh_from_db()
    assert (validation.status, validation.finished_at) == ("done", finished_at)


def test_a_missing_file_fails_the_check_with_a_message(developer_user, background):
    validation = _stored(developer_user, [example(1)])
    Path(validation.file_path).unlink()
    validations.run_dataset_validation(validation.pk)
    validation.refresh_from_db()
    assert validation.status == "failed" and "upload it again" in validation.error


def test_someone_else_cannot_see_the_check(client_as, developer_user, make_user, background):
    validation = _stored(developer_user, [example(1)])
    other = make_user("other", "Developer")
    assert client_as(other).get(f"/estimator/dataset/checks/{validation.pk}/").status_code == 404


def test_a_running_check_answers_200_with_its_progress(client_as, developer_user, background):
    validation = _stored(developer_user, [example(1)])
    BackgroundValidation.objects.filter(pk=validation.pk).update(status="running", bytes_read=validation.file_size // 2)
    response = client_as(developer_user).get(f"/estimator/dataset/checks/{validation.pk}/", headers=POLL)
    body = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in body
    assert f'value="{validation.file_size // 2 * 100 // validation.file_size}"' in body


def test_small_files_are_still_checked_while_the_page_waits(client_as, developer_user, settings):
    settings.STUDIO_INLINE_DATASET_BYTES = 10**6
    body = client_as(developer_user).post("/estimator/dataset/", form_data([example(i) for i in range(10)]),
                                          headers=POLL).content.decode()
    assert 'id="example-count">10<' in body and not BackgroundValidation.objects.exists()


def _stored(owner, lines) -> BackgroundValidation:
    upload = training_file(lines)
    path = uploads.store_upload(upload, owner.pk)
    return BackgroundValidation.objects.create(
        owner=owner, file_name="big.jsonl", file_path=str(path), file_size=upload.size,
        options={"model": "gpt-4o-mini", "epochs": None, "deployment_type": "GlobalStandard"},
    )
