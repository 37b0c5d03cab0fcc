"""A request body over the limit gets a page that names the limit, never a bare "400 Bad Request"."""

from __future__ import annotations


def test_a_form_over_the_size_limit_says_what_the_limit_is(client_as, developer_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_as(developer_user)
    response = client.post("/estimator/", {"text": "x" * 5000})
    assert response.status_code == 413
    body = response.content.decode()
    assert "The form is too large" in body and "1.0\xa0KB" in body and "STUDIO_MAX_REQUEST_BYTES" in body
    assert "your input is still in the form" in body


def test_an_htmx_form_over_the_limit_gets_the_error_fragment_for_the_toast(client_as, developer_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client_as(developer_user).post("/estimator/", {"text": "x" * 5000}, headers={"HX-Request": "true"})
    assert response.status_code == 413
    body = response.content.decode()
    assert 'role="alert"' in body and "<html" not in body


def test_every_page_tells_its_scripts_the_limit(client_as, viewer_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    assert 'data-max-request-bytes="4096"' in client_as(viewer_user).get("/").content.decode()
