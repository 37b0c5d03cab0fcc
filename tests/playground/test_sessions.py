"""Sessions and presets: saving, export and import, sharing, and who may open or change what."""

from __future__ import annotations

import io
import json

import pytest

from playground.models import PlaygroundSession, Preset

STATE = {
    "version": 1, "system": "You are terse.", "examples": [{"user": "2+2?", "assistant": "4"}],
    "tools": [{"name": "get_weather", "description": "", "parameters": "{\"type\": \"object\"}"}],
    "params": {"temperature": 0.2, "max_tokens": 100, "stop": ["END"]},
    "columns": [{"deployment": 1, "sync": True, "messages": [
        {"role": "user", "content": "Describe this", "images": [{"url": "data:image/png;base64,iVBORw0KGgo=",
                                                                 "detail": "low", "tokens": 85}]},
        {"role": "assistant", "content": "A **tiny** image.", "stats": {"prompt_tokens": 100, "cost": 0.0001}}]}],
}


def save(client, **fields):
    return client.post("/playground/sessions/save/", data=json.dumps(fields), content_type="application/json")


@pytest.fixture
def developer_client(client, developer_user):
    client.force_login(developer_user)
    return client


def test_a_session_saves_and_updates_in_place(developer_client, developer_user):
    first = save(developer_client, kind="chat", title="Rivers", state=STATE).json()
    again = save(developer_client, id=first["id"], kind="chat", title="Rivers, again",
                 state={**STATE, "system": "changed"}).json()
    assert again["id"] == first["id"]
    session = PlaygroundSession.objects.get()
    assert (session.owner, session.title, session.state["system"]) == (developer_user, "Rivers, again", "changed")


def test_export_reimports_to_the_same_state(developer_client, developer_user):
    pk = save(developer_client, kind="chat", title="Vision test", state=STATE).json()["id"]
    exported = developer_client.get(f"/playground/sessions/{pk}/export/")
    assert exported["Content-Disposition"].startswith("attachment")
    upload = io.BytesIO(exported.content)
    upload.name = "vision.json"
    answer = developer_client.post("/playground/sessions/import/", {"file": upload})
    assert answer.status_code == 302
    copy = PlaygroundSession.objects.exclude(pk=pk).get()
    assert (copy.kind, copy.title, copy.state, copy.owner) == ("chat", "Vision test", STATE, developer_user)
    assert answer["Location"] == copy.get_absolute_url()


@pytest.mark.parametrize(("content", "words"), [
    (b"not json", "not valid JSON"),
    (b'{"format": "something else", "state": {}}', "not a Studio session export"),
    (b'{"format": "studio.playground.session/1", "kind": "poems", "state": {}}', "unknown playground kind"),
    (b"[" * 300 + b"]" * 300, "nested"),
])
def test_a_bad_import_says_why_and_creates_nothing(developer_client, content, words):
    upload = io.BytesIO(content)
    upload.name = "bad.json"
    answer = developer_client.post("/playground/sessions/import/", {"file": upload}, follow=True)
    assert words in answer.content.decode()
    assert not PlaygroundSession.objects.exists()


def test_another_user_cannot_open_a_session_that_was_not_shared(client, make_user, developer_user):
    session = PlaygroundSession.objects.create(owner=developer_user, title="Private", state=STATE)
    other = make_user("other", "Developer")
    client.force_login(other)
    assert client.get(f"/playground/chat/?session={session.pk}").status_code == 403
    assert client.get(f"/playground/sessions/{session.pk}/export/").status_code == 403
    assert save(client, id=session.pk, kind="chat", title="mine now", state={}).status_code == 403
    assert client.post(f"/playground/sessions/{session.pk}/delete/").status_code == 403
    assert PlaygroundSession.objects.get().title == "Private"


def test_a_shared_session_is_read_only_for_the_team(client, make_user, developer_user):
    session = PlaygroundSession.objects.create(owner=developer_user, title="Team notes", state=STATE)
    client.force_login(developer_user)
    client.post(f"/playground/sessions/{session.pk}/share/", {"shared": "1"})
    session.refresh_from_db()
    assert session.is_shared and len(session.share_token) >= 40
    viewer = make_user("val", "Viewer")
    client.force_login(viewer)
    landed = client.get(session.shared_url(), follow=True)
    assert landed.status_code == 200 and landed.context["read_only"] is True
    assert "Shared by dev" in landed.content.decode()
    assert client.get(f"/playground/sessions/{session.pk}/export/").status_code == 200
    assert save(client, id=session.pk, kind="chat", title="x", state={}).status_code == 403  # Viewer: no saving
    # Unshared again, the old link and the id stop working for others.
    client.force_login(developer_user)
    client.post(f"/playground/sessions/{session.pk}/share/", {"shared": "0"})
    client.force_login(viewer)
    assert client.get(session.shared_url() or "/playground/shared/gone/").status_code == 404
    assert client.get(f"/playground/chat/?session={session.pk}").status_code == 403


def test_search_rename_and_delete(developer_client, developer_user):
    keep = PlaygroundSession.objects.create(owner=developer_user, title="Rivers", state={"system": "about water"})
    PlaygroundSession.objects.create(owner=developer_user, title="Mountains", state={"system": "about rock"})
    found = developer_client.get("/playground/sessions/", {"q": "water"})
    assert [s.title for s in found.context["sessions"]] == ["Rivers"]
    developer_client.post(f"/playground/sessions/{keep.pk}/rename/", {"title": "Big rivers"})
    keep.refresh_from_db()
    assert keep.title == "Big rivers"
    developer_client.post(f"/playground/sessions/{keep.pk}/delete/")
    assert list(PlaygroundSession.objects.values_list("title", flat=True)) == ["Mountains"]


def test_save_refuses_bad_state_clearly(developer_client):
    answer = save(developer_client, kind="chat", title="x", state=["not", "an", "object"])
    assert answer.status_code == 400 and "JSON object" in answer.json()["error"]["message"]
    deep = '{"kind": "chat", "state": ' + "{\"a\":" * 200 + "1" + "}" * 200 + "}"
    answer = developer_client.post("/playground/sessions/save/", data=deep, content_type="application/json")
    assert answer.status_code == 400 and "nested" in answer.json()["error"]["message"]


def test_presets_personal_and_shared(client, make_user, developer_user):
    client.force_login(developer_user)
    mine = client.post("/playground/presets/save/", data=json.dumps(
        {"name": "Terse", "system_message": "Be terse.", "parameters": {"temperature": 0}, "shared": False}),
        content_type="application/json").json()
    team = client.post("/playground/presets/save/", data=json.dumps(
        {"name": "Pirate", "system_message": "Talk like a pirate.", "parameters": {}, "shared": True}),
        content_type="application/json").json()
    other = make_user("olga", "Developer")
    client.force_login(other)
    names = [p["name"] for p in client.get("/playground/chat/").context["page_data"]["presets"]]
    assert names == ["Pirate"]  # the shared one only
    assert client.post(f"/playground/presets/{team['id']}/delete/").status_code == 403
    client.force_login(developer_user)
    assert client.post(f"/playground/presets/{mine['id']}/delete/").status_code == 200
    assert list(Preset.objects.values_list("name", flat=True)) == ["Pirate"]


@pytest.mark.parametrize("value", ["99999999999999999999999", "¹", "-3", "0", "1e3", "  "])
def test_hostile_ids_are_not_found_never_a_crash(developer_client, value):
    assert developer_client.get("/playground/chat/", {"session": value}).status_code == 404
    assert developer_client.get("/playground/chat/", {"compare": f"{value},{value}"}).status_code == 200
    for url, body in (("/playground/code/", {"deployment": value, "body": {"messages": [{"role": "user",
                                                                                         "content": "x"}]}}),
                      ("/playground/image-cost/", {"deployment": value, "width": 10, "height": 10}),
                      ("/playground/stream/", {"deployment": value, "body": {"messages": [{"role": "user",
                                                                                            "content": "x"}]}})):
        answer = developer_client.post(url, data=json.dumps(body), content_type="application/json")
        assert answer.status_code in (400, 404), (url, answer.status_code)
    huge = save(developer_client, id=10**30, kind="chat", title="x", state={})
    assert huge.status_code == 200  # an id that cannot exist is ignored: a new session is saved
