"""The playground's stream against the engine over real HTTP: order, completeness, faults, filters, tools, records."""

from __future__ import annotations

import json

import httpx2
import pytest

from studio.usage.models import UsageRecord
from tests.playground.streaming import stream

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say something about rivers."}]


def direct_chat(engine, body: dict) -> dict:
    """The same request straight to the engine, not streamed: what Studio's stream must add up to."""
    answer = httpx2.post(f"{engine.url}/openai/deployments/chat/chat/completions?api-version=2024-10-21",
                         headers={"api-key": engine.api_key}, json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_stream_arrives_in_order_and_complete(engine, chat_deployment, developer_user, flushed_usage):
    body = {"messages": HELLO, "max_tokens": 60, "seed": 7, "temperature": 0.7}
    streamed = stream(developer_user, chat_deployment, body)
    assert streamed.status == 200
    expected = direct_chat(engine, body)["choices"][0]["message"]["content"]
    assert streamed.text() == expected and expected
    assert streamed.done and streamed.malformed == 0
    # Studio's end event comes last, after the upstream's [DONE], and says what the usage chunk said.
    assert streamed.studio[-1]["type"] == "end"
    assert streamed.raw.rindex(b"data: [DONE]") < streamed.raw.rindex(b"event: studio")
    end = streamed.end
    usage = streamed.chunks[-1]["usage"]
    assert end["usage"]["completion_tokens"] == usage["completion_tokens"] > 0
    assert end["status"] == "ok" and end["finish_reasons"] in (["stop"], ["length"])
    assert end["first_token_ms"] is not None and end["latency_ms"] >= end["first_token_ms"]
    flushed_usage()
    record = UsageRecord.objects.get()
    assert (record.user, record.deployment, record.kind, record.status) == (
        developer_user, chat_deployment, "chat", "ok")
    assert record.prompt_tokens == usage["prompt_tokens"] and record.completion_tokens == usage["completion_tokens"]
    assert record.upstream_request_id == end["request_id"] != ""
    # gpt-4o-mini 2024-07-18 on Global Standard: the price table's figure, not zero, not empty.
    assert record.cost is not None and record.cost > 0 and str(record.cost.normalize()) == str(
        __import__("decimal").Decimal(end["cost"]).normalize())


def test_nothing_about_the_prompt_is_recorded(engine, chat_deployment, developer_user, flushed_usage):
    secret = "the launch code is marmalade-42"
    stream(developer_user, chat_deployment, {"messages": [{"role": "user", "content": secret}], "max_tokens": 5})
    flushed_usage()
    row = UsageRecord.objects.values().get()
    assert not any(isinstance(value, str) and "marmalade" in value for value in row.values())


def test_a_cut_stream_keeps_what_arrived_and_says_so(engine, engine_admin, chat_deployment, developer_user,
                                                      flushed_usage):
    engine_admin.faults("chat", cut_after=4)
    streamed = stream(developer_user, chat_deployment, {"messages": HELLO, "max_tokens": 60, "seed": 3})
    assert streamed.status == 200
    assert not streamed.done
    assert streamed.text()  # the words before the cut reached the browser
    assert streamed.end["status"] == "partial"
    assert "before its end" in streamed.end["broke"] or "broke" in streamed.end["broke"]
    flushed_usage()
    assert UsageRecord.objects.get().status == "partial"


def test_a_429_is_waited_out_and_the_browser_is_told(engine, engine_admin, chat_deployment, developer_user,
                                                     flushed_usage):
    # The first request of this fault sequence is throttled, the next passes (fault_seed makes it a fixed draw).
    engine_admin.faults("chat", status=429, rate=0.5, fault_seed=1, retry_after=1)
    streamed = None
    for _ in range(6):  # find a sequence position where one 429 is followed by a pass
        streamed = stream(developer_user, chat_deployment, {"messages": HELLO, "max_tokens": 8})
        if any(e["type"] == "retry" for e in streamed.studio) and streamed.end:
            break
    retry = next(e for e in streamed.studio if e["type"] == "retry")
    assert retry["after"] == pytest.approx(1.0) and retry["attempt"] == 1 and retry["of"] == 3
    assert streamed.end["status"] == "ok" and streamed.text()


def test_a_429_that_outlasts_the_retries_is_an_error_with_its_wait(engine, engine_admin, chat_deployment,
                                                                  developer_user, flushed_usage):
    engine_admin.faults("chat", status=429, retry_after=120)  # longer than Studio waits: shown, not waited
    streamed = stream(developer_user, chat_deployment, {"messages": HELLO, "max_tokens": 8})
    assert streamed.error["status"] == 429 and streamed.error["retry_after"] == pytest.approx(120)
    assert not streamed.chunks
    flushed_usage()
    assert UsageRecord.objects.get().status == "rate_limited"


def test_a_filtered_prompt_gets_the_filters_verdict(engine, chat_deployment, developer_user, flushed_usage):
    streamed = stream(developer_user, chat_deployment,
                      {"messages": [{"role": "user", "content": "engine-test-violence-high please"}]})
    error = streamed.error
    assert error["status"] == 400 and error["code"] == "content_filter"
    assert error["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    flushed_usage()
    assert UsageRecord.objects.get().status == "filtered"


def test_a_filtered_completion_keeps_the_text_before_the_cut(engine, chat_deployment, developer_user,
                                                             flushed_usage):
    streamed = stream(developer_user, chat_deployment,
                      {"messages": [{"role": "user", "content": "engine-test-unsafe-completion"}], "max_tokens": 60})
    assert streamed.end["finish_reasons"] == ["content_filter"] and streamed.end["status"] == "filtered"
    assert len(streamed.text().split()) >= 3  # the six words before the cut
    flagged = [c["choices"][0].get("content_filter_results") for c in streamed.chunks
               if c.get("choices") and c["choices"][0].get("finish_reason") == "content_filter"]
    assert flagged and flagged[0]["violence"]["filtered"] is True


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                           "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "Time in a city",
                                         "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def test_a_tool_round_trip(engine, chat_deployment, developer_user):
    asked = [{"role": "user", "content": "Use get_weather for Paris"}]
    first = stream(developer_user, chat_deployment, {"messages": asked, "tools": [WEATHER], "seed": 1})
    calls = first.tool_calls()
    assert first.end["finish_reasons"] == ["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather"] and calls[0]["id"]
    assert isinstance(json.loads(calls[0]["function"]["arguments"]), dict)
    history = asked + [{"role": "assistant", "content": None, "tool_calls": calls},
                       {"role": "tool", "tool_call_id": calls[0]["id"], "content": "18 C and sunny"}]
    second = stream(developer_user, chat_deployment, {"messages": history, "tools": [WEATHER], "seed": 1})
    assert second.end["finish_reasons"] == ["stop"] and second.text()


def test_parallel_tool_calls_arrive_as_several(engine, chat_deployment, developer_user):
    asked = [{"role": "user", "content": "Call get_weather and get_time for Oslo"}]
    streamed = stream(developer_user, chat_deployment, {"messages": asked, "tools": [WEATHER, TIME], "seed": 2})
    names = sorted(c["function"]["name"] for c in streamed.tool_calls())
    assert names == ["get_time", "get_weather"]


def test_a_viewer_cannot_send(engine, chat_deployment, viewer_user, flushed_usage):
    streamed = stream(viewer_user, chat_deployment, {"messages": HELLO})
    assert streamed.status == 403
    flushed_usage()
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(("body", "words"), [
    ({"messages": []}, "non-empty"),
    ({"messages": HELLO, "temperature": 3}, "between 0 and 2"),
    ({"messages": HELLO, "stop": ["a", "b", "c", "d", "e"]}, "at most 4"),
    ({"messages": HELLO, "max_tokens": "lots"}, "whole number"),
    ({"messages": HELLO, "bogus": 1}, "unknown parameter"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
])
def test_bad_requests_are_refused_before_anything_is_sent(engine, chat_deployment, developer_user, body, words,
                                                          flushed_usage):
    streamed = stream(developer_user, chat_deployment, body)
    assert streamed.status == 400 and words in streamed.body["error"]["message"]
    flushed_usage()
    assert not UsageRecord.objects.exists()


def test_deep_json_and_a_gone_deployment_are_clear_errors(engine, chat_deployment, developer_user):
    from django.test import Client

    client = Client()
    client.force_login(developer_user)
    deep = '{"deployment": 1, "body": ' + "[" * 500 + "]" * 500 + "}"
    answer = client.post("/playground/stream/", data=deep, content_type="application/json")
    assert answer.status_code == 400 and "nested" in answer.json()["error"]["message"]
    missing = stream(developer_user, 999_999, {"messages": HELLO})
    assert missing.status == 404 and "deployment" in missing.body["error"]["message"]


def test_an_unreachable_endpoint_is_an_error_event(engine, resource, chat_deployment, developer_user):
    from tests.processes import free_port

    resource.endpoint = f"http://127.0.0.1:{free_port()}"
    resource.save()
    streamed = stream(developer_user, chat_deployment, {"messages": HELLO})
    assert streamed.status == 200 and "refused" in streamed.error["message"]


def test_a_wrong_key_is_named_as_such(engine, resource, chat_deployment, developer_user):
    resource.set_api_key("not-the-key")
    resource.save()
    streamed = stream(developer_user, chat_deployment, {"messages": HELLO})
    assert streamed.error["status"] == 401 and "did not accept" in streamed.error["message"]
    assert "not-the-key" not in json.dumps(streamed.studio)
