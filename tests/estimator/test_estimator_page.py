"""The estimator page: each mode as a full page, as the htmx fragment its target names, and with bad input."""

import io
import json
import re
import struct
import zlib

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.estimator.dataset_estimates import estimate_dataset


def hx(mode):
    return {"HX-Request": "true", "HX-Target": f"{mode}-result"}


def png_file(name, width, height, data=None):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, data if data is not None else buffer.getvalue(), content_type="image/png")


def png_header_only(width, height):
    """A valid PNG that declares any size with one byte of pixels: a huge image without allocating it."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def chat_data(*messages, model="gpt-4o", **extra):
    data = {"model": model, "deployment_type": "", "messages-TOTAL_FORMS": str(len(messages)),
            "messages-INITIAL_FORMS": "0", **extra}
    for i, message in enumerate(messages):
        data.update({f"messages-{i}-{key}": value for key, value in message.items()})
        data.setdefault(f"messages-{i}-image_detail", "auto")
    return data


@pytest.fixture
def dev(client_as, developer_user):
    return client_as(developer_user)


def is_fragment(response):
    body = response.content.decode()
    return response.status_code == 200 and "<html" not in body and "<nav class=\"nav\"" not in body


# --- The page and its tabs ---
def test_the_page_opens_on_text_with_every_mode_as_a_plain_link(dev):
    body = dev.get("/estimator/").content.decode()
    for url in ("/estimator/", "/estimator/chat/", "/estimator/image/", "/estimator/cost/", "/estimator/dataset/"):
        assert f'href="{url}" hx-get="{url}"' in body
    assert re.search(r'href="/estimator/" [^>]*aria-current="page">Text<', body)
    assert 'hx-trigger="submit, input changed delay:300ms, change"' in body


def test_a_tab_switch_by_htmx_returns_the_mode_panel_only(dev):
    response = dev.get("/estimator/chat/", headers={"HX-Request": "true", "HX-Target": "estimator-mode"})
    body = response.content.decode()
    assert is_fragment(response)
    assert 'id="chat-result"' in body and "messages-TOTAL_FORMS" in body
    assert "<title>Chat · Estimator · Studio</title>" in body


def test_viewers_may_use_every_mode_of_the_estimator(client_as, viewer_user):
    viewer = client_as(viewer_user)
    for url in ("/estimator/", "/estimator/chat/", "/estimator/image/", "/estimator/cost/", "/estimator/dataset/"):
        assert viewer.get(url).status_code == 200, url
    body = viewer.post("/estimator/", {"model": "gpt-4o", "text": "hello world"}).content.decode()
    assert '<span class="stat-value" id="token-count">2</span>' in body


def test_viewers_read_the_prices_but_may_not_change_them(client_as, viewer_user):
    viewer = client_as(viewer_user)
    assert viewer.get("/estimator/prices/").status_code == 200
    assert viewer.get("/estimator/prices/new/").status_code == 403
    assert viewer.post("/estimator/prices/new/", {"model": "x"}).status_code == 403


# --- Text ---
def test_text_shows_the_count_and_each_token_with_its_id(dev):
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": "hello world"}).content.decode()
    assert '<span class="stat-value" id="token-count">2</span>' in body
    assert re.findall(r'<span class="tok tok-\d" title="token (\d+)">([^<]*)</span>', body) == [
        ("24912", "hello"), ("2375", " world")]
    assert "$0.000005" in body
    assert "Priced with" in body and "30 Nov 2026" in body


def test_text_by_htmx_returns_the_result_fragment_only(dev):
    response = dev.post("/estimator/", {"model": "gpt-4o", "text": "hello world"}, headers=hx("text"))
    assert is_fragment(response)
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in response["Vary"].split(",")}
    assert 'id="token-count">2<' in response.content.decode()
    assert "<textarea" not in response.content.decode()


def test_text_is_escaped_never_rendered_as_html(dev):
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body or "&lt;" in body


def test_empty_text_counts_zero(dev):
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": ""}, headers=hx("text")).content.decode()
    assert 'id="token-count">0<' in body


def test_drawn_tokens_are_capped_but_the_count_is_exact(dev):
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": " a" * 6000}, headers=hx("text")).content.decode()
    assert 'id="token-count">6,000<' in body
    assert body.count('<span class="tok ') == 5000
    assert "Showing the first 5,000 of 6,000 tokens" in body


def test_an_unknown_model_keeps_the_text_and_names_the_known_models(dev):
    body = dev.post("/estimator/", {"model": "llama-3", "text": "keep me"}).content.decode()
    assert "unknown model &#x27;llama-3&#x27;" in body and "gpt-4o-mini" in body
    assert "keep me</textarea>" in body


def test_an_unknown_model_by_htmx_says_what_to_fix_in_the_result(dev):
    body = dev.post("/estimator/", {"model": "llama-3", "text": "x"}, headers=hx("text")).content.decode()
    assert "Fix this to see the estimate" in body and "unknown model" in body


def test_text_over_the_size_limit_is_refused_with_the_text_kept(dev, settings):
    settings.STUDIO_MAX_ESTIMATE_BYTES = 100
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": "y" * 150}).content.decode()
    assert "The text is 150\xa0bytes, over the 100\xa0bytes limit; count it in parts." in body
    assert "y" * 150 in body


def test_no_price_is_said_plainly_never_zero(dev):
    body = dev.post("/estimator/", {"model": "gpt-5.4", "text": "hello", "deployment_type": "Standard"}
                    ).content.decode()
    assert "No price for gpt-5.4 on Standard; an Admin can add one." in body
    assert "$0" not in body


def test_admins_get_a_link_to_add_the_missing_price(client_as, admin_user):
    body = client_as(admin_user).post("/estimator/", {"model": "gpt-5.3-codex", "text": "x"}).content.decode()
    assert "/estimator/prices/new/?model=gpt-5.3-codex&amp;kind=tokens&amp;deployment_type=GlobalStandard" in body


def test_the_model_picker_lists_models_and_deployments(dev, db):
    from studio.resources.models import Deployment, Resource

    resource = Resource.objects.create(name="east", endpoint="https://east.openai.azure.com")
    Deployment.objects.create(resource=resource, name="chat-prod", model_name="gpt-4o-mini")
    body = dev.get("/estimator/").content.decode()
    assert '<optgroup label="Deployments">' in body and "chat-prod → gpt-4o-mini" in body
    counted = dev.post("/estimator/", {"model": "chat-prod", "text": "hi"}, headers=hx("text")).content.decode()
    assert "chat-prod (gpt-4o-mini)" in counted


# --- Chat ---
def test_chat_counts_the_overhead_of_each_message_name_and_the_reply(dev):
    data = chat_data({"role": "system", "text": "You are a helpful assistant."},
                     {"role": "user", "name": "ada", "text": "hello world"})
    body = dev.post("/estimator/chat/", data, headers=hx("chat")).content.decode()
    assert 'id="token-count">21<' in body
    assert re.search(r"Per message: 3 × 2</th><td class=\"num\">6<", body)
    assert re.search(r"Names: 1 each</th><td class=\"num\">1<", body)
    assert re.search(r"Reply priming</th><td class=\"num\">3<", body)


def test_a_removed_message_is_not_counted(dev):
    data = chat_data({"role": "user", "text": "hello world"}, {"role": "user", "text": "more", "DELETE": "on"})
    body = dev.post("/estimator/chat/", data, headers=hx("chat")).content.decode()
    assert 'id="token-count">9<' in body


def test_add_message_returns_a_row_and_the_new_form_count(dev):
    response = dev.get("/estimator/chat/message/?messages-TOTAL_FORMS=2", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert is_fragment(response)
    assert 'name="messages-2-role"' in body and 'name="messages-2-text"' in body
    assert 'id="id_messages-TOTAL_FORMS" value="3" hx-swap-oob="true"' in body
    assert response["HX-Trigger-After-Settle"] == "message-added"


def test_add_message_without_javascript_re_renders_with_one_more_row(dev):
    data = chat_data({"role": "system", "text": "keep this"}, add_message="1")
    body = dev.post("/estimator/chat/", data).content.decode()
    assert 'name="messages-1-role"' in body and 'id="id_messages-TOTAL_FORMS" value="2"' in body
    assert "keep this</textarea>" in body


def test_chat_image_parts_by_size_and_by_upload(dev):
    data = chat_data({"role": "user", "text": "", "image_width": "2048", "image_height": "4096",
                      "image_detail": "high"})
    body = dev.post("/estimator/chat/", data, headers=hx("chat")).content.decode()
    assert re.search(r"Images</th><td class=\"num\">1,105<", body)
    upload = chat_data({"role": "user", "text": "", "image_detail": "low"})
    upload["messages-0-images"] = [png_file("a.png", 64, 64), png_file("b.png", 64, 64)]
    body = dev.post("/estimator/chat/", upload, headers=hx("chat")).content.decode()
    assert re.search(r"Images</th><td class=\"num\">170<", body)


def test_a_chat_upload_that_is_not_an_image_names_the_file(dev):
    data = chat_data({"role": "user", "text": "keep"})
    data["messages-0-images"] = SimpleUploadedFile("notes.txt", b"hello there", content_type="text/plain")
    body = dev.post("/estimator/chat/", data).content.decode()
    assert "notes.txt: not an image" in body and "\nkeep</textarea>" in body


def test_a_chat_size_needs_both_sides(dev):
    data = chat_data({"role": "user", "text": "x", "image_width": "100"})
    body = dev.post("/estimator/chat/", data, headers=hx("chat")).content.decode()
    assert "Message 1: Give an image size as both width and height, or neither." in body


def test_a_chat_post_without_the_management_form_says_so(dev):
    body = dev.post("/estimator/chat/", {"model": "gpt-4o"}).content.decode()
    assert "ManagementForm data is missing" in body


# --- Image ---
def test_typed_sizes_show_each_step_of_the_tile_rule(dev):
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "high", "sizes": "2048x4096"}
    response = dev.post("/estimator/image/", data, headers=hx("image"))
    body = response.content.decode()
    assert is_fragment(response)
    assert 'id="token-count">1,105<' in body
    assert "2,048 × 4,096" in body and "1,024 × 2,048" in body and "768 × 1,536" in body
    assert "2 × 3 = 6" in body and "85 + 170 × 6 = <strong>1,105</strong>" in body
    assert body.count('<rect class="tile" ') == 6


def test_auto_detail_is_priced_as_high_and_says_so(dev):
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "auto", "sizes": "1024 x 1024"}
    body = dev.post("/estimator/image/", data, headers=hx("image")).content.decode()
    assert 'id="token-count">765<' in body and "priced as high" in body


def test_gpt_4o_mini_images_cost_many_more_tokens(dev):
    data = {"model": "gpt-4o-mini", "deployment_type": "", "detail": "high", "sizes": "1024x1024"}
    body = dev.post("/estimator/image/", data, headers=hx("image")).content.decode()
    assert 'id="token-count">25,501<' in body and "2,833 + 5,667 × 4" in body


def test_uploads_are_counted_with_a_thumbnail_and_bad_files_listed(dev):
    truncated = png_file("cut.png", 64, 64, data=png_header_only(64, 64)[:20])
    files = [png_file("photo.png", 1024, 1024), SimpleUploadedFile("notes.txt", b"hello"), truncated]
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "high", "sizes": "512x512", "images": files}
    body = dev.post("/estimator/image/", data, headers=hx("image")).content.decode()
    assert 'id="token-count">1,020<' in body  # 765 for photo.png + 255 for 512 x 512
    assert '<image href="data:image/jpeg;base64,' in body
    assert "<strong>notes.txt</strong>: not an image" in body
    assert "<strong>cut.png</strong>: PNG image is truncated or damaged" in body


def test_an_image_damaged_after_its_header_is_not_counted(dev):
    whole = png_file("x.png", 300, 300).read()
    damaged = SimpleUploadedFile("damaged.png", whole[: len(whole) // 2])
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "high", "sizes": "", "images": [damaged]}
    body = dev.post("/estimator/image/", data, headers=hx("image")).content.decode()
    assert "<strong>damaged.png</strong>: the image data is truncated or damaged" in body
    assert 'id="token-count"' not in body


def test_a_huge_image_is_sized_from_its_header_and_drawn_without_a_thumbnail(dev):
    huge = SimpleUploadedFile("huge.png", png_header_only(20000, 20000))
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "high", "sizes": "", "images": [huge]}
    body = dev.post("/estimator/image/", data, headers=hx("image")).content.decode()
    assert 'id="token-count">765<' in body and "too large to draw a thumbnail" in body
    assert "<image href" not in body


def test_unreadable_sizes_keep_the_input_and_say_how_to_write_them(dev):
    data = {"model": "gpt-4o", "deployment_type": "", "detail": "high", "sizes": "1024x768, 12by4"}
    body = dev.post("/estimator/image/", data).content.decode()
    assert "Could not read &#x27;12by4&#x27;" in body and 'value="1024x768, 12by4"' in body


def test_an_empty_image_form_asks_for_an_image_or_a_size(dev):
    body = dev.post("/estimator/image/", {"model": "gpt-4o", "detail": "high"}).content.decode()
    assert "Upload an image or type a size such as 1024x768." in body


# --- Cost ---
def test_the_cost_projection_covers_every_deployment_type_exactly(dev):
    query = "model=gpt-4o&input_tokens=1000&output_tokens=500&requests_per_day=1000"
    body = dev.get(f"/estimator/cost/?{query}").content.decode()
    rows = dict(re.findall(r'data-deployment-type="([\w-]+)">.*?<strong>([^<]+)</strong>', body, re.S))
    assert rows == {"Standard": "$247.50", "GlobalStandard": "$225.00", "DataZone": "$247.50", "Batch": "$112.50"}
    assert "$0.0075" in body and "$7.50" in body  # per request, per day
    assert "from 30 Nov 2026" in body
    assert "1,000 input × $2.50 + 500 output × $10.00 per 1M = $0.0075" in body  # how the figure was reached


def test_the_cost_page_opens_on_a_worked_example_and_fills_missing_fields(dev):
    assert 'data-deployment-type="Batch"' in dev.get("/estimator/cost/").content.decode()
    body = dev.get("/estimator/cost/?model=gpt-4o-mini&input_tokens=42").content.decode()
    assert 'value="42"' in body and 'data-deployment-type="Batch"' in body


def test_a_projection_without_a_price_says_so_per_row(dev):
    body = dev.get("/estimator/cost/?model=gpt-5.3-codex&input_tokens=10", headers=hx("cost")).content.decode()
    assert body.count("No price for gpt-5.3-codex: not published") == 4


def test_embeddings_priced_with_output_tokens_say_what_is_wrong(dev):
    query = "model=text-embedding-3-small&input_tokens=10&output_tokens=5"
    body = dev.get(f"/estimator/cost/?{query}", headers=hx("cost")).content.decode()
    assert "has no output per 1m price" in body


def test_negative_counts_are_refused_with_the_input_kept(dev):
    body = dev.get("/estimator/cost/?model=gpt-4o&input_tokens=-5").content.decode()
    assert "Ensure this value is greater than or equal to 0." in body and 'value="-5"' in body


# --- Dataset ---
def example(i):
    return json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                    {"role": "assistant", "content": f"answer {i}"}]})


def jsonl(*lines):
    return SimpleUploadedFile("train.jsonl", ("\n".join(lines) + "\n").encode(), content_type="application/jsonl")


def test_a_dataset_with_broken_lines_lists_them_and_counts_the_rest(dev):
    lines = [example(i) for i in range(10)]
    lines.insert(3, '{"messages": [')  # line 4
    lines.insert(7, json.dumps({"prompt": "a", "completion": "b"}))  # line 8
    data = {"model": "gpt-4o-mini", "epochs": "auto", "deployment_type": "GlobalStandard",
            "training_file": jsonl(*lines)}
    response = dev.post("/estimator/dataset/", data, headers=hx("dataset"))
    body = response.content.decode()
    assert is_fragment(response)
    assert 'id="example-count">10<' in body and 'id="broken-count">2<' in body
    assert re.search(r'<td class="num">4</td><td>invalid JSON at column', body)
    assert re.search(r'<td class="num">8</td><td>gpt-4o-mini needs', body)
    assert "auto chose <strong>10</strong> for 10 examples" in body
    assert "Line 1" in body and "question 0" in body  # a preview of the first valid example
    assert "$1.70" in body and "$1,224.00" in body


def test_dataset_billed_tokens_and_training_cost_follow_the_epochs(dev):
    data = {"model": "gpt-4o-mini", "epochs": "2", "deployment_type": "GlobalStandard",
            "training_file": jsonl(*[example(i) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    billed = int(re.search(r'<span class="stat-value">([\d,]+)</span><span class="stat-label">billed', body)[1]
                 .replace(",", ""))
    assert billed % 2 == 0 and billed > 0
    assert "Epochs: <strong>2</strong>" in body
    assert re.search(r"Training priced with <a [^>]+>gpt-4o-mini</a> on GlobalStandard", body)


def test_the_dataset_is_streamed_line_by_line_never_read_whole(db):
    class NoWholeReads(io.BytesIO):
        def read(self, size=-1):
            assert size is not None and size >= 0, "the training file was read whole"
            return super().read(size)

    data = ("\n".join(example(i) for i in range(10)) + "\n").encode()
    upload = File(NoWholeReads(data), name="train.jsonl")  # iterated as Django iterates an upload: chunk by chunk
    estimate = estimate_dataset(upload, "gpt-4o-mini", epochs=None, deployment_type="GlobalStandard", max_bytes=10**6)
    assert estimate.report.examples == 10 and len(estimate.previews) == 3


def test_a_dataset_over_the_size_limit_is_refused_clearly(dev, settings):
    settings.STUDIO_MAX_DATASET_BYTES = 50
    data = {"model": "gpt-4o-mini", "epochs": "auto", "deployment_type": "GlobalStandard",
            "training_file": jsonl(*[example(i) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data).content.decode()
    assert "over the 50\xa0bytes limit (STUDIO_MAX_DATASET_BYTES)" in body


def test_bad_epochs_keep_the_form_and_say_what_to_write(dev):
    data = {"model": "gpt-4o-mini", "epochs": "many", "deployment_type": "GlobalStandard",
            "training_file": jsonl(example(1))}
    body = dev.post("/estimator/dataset/", data).content.decode()
    assert "Write auto, or a whole number of epochs from 1 to 50." in body and 'value="many"' in body


def test_a_model_without_a_training_price_says_so(dev):
    data = {"model": "babbage-002", "epochs": "1", "deployment_type": "Standard",
            "training_file": jsonl(*[json.dumps({"prompt": f"q{i}", "completion": f"a{i}"}) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    assert "No training price for babbage-002 on Standard; an Admin can add one." in body


# --- Wording and the cost mode's picker (issue 13) ---
def test_an_unknown_model_in_cost_mode_stays_shown_as_typed_without_an_empty_result(dev):
    body = dev.get("/estimator/cost/?model=llama-3&input_tokens=10").content.decode()
    assert '<option value="llama-3" selected>llama-3</option>' in body
    assert "unknown model &#x27;llama-3&#x27;" in body
    assert 'class="result card"' not in body and 'id="cost-result"' in body  # the target stays for htmx


def test_a_known_model_in_cost_mode_fills_the_card(dev):
    body = dev.get("/estimator/cost/?model=gpt-4o").content.decode()
    assert 'id="cost-result" class="result card"' in body and "As typed" not in body


def test_one_example_is_said_in_the_singular_and_no_epochs_for_none(dev):
    data = {"model": "gpt-4o-mini", "epochs": "auto", "deployment_type": "GlobalStandard",
            "training_file": jsonl(example(1))}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    assert "1 valid example; fine-tuning needs at least 10" in body and "1 valid examples" not in body
    none = dev.post("/estimator/dataset/", {**data, "training_file": jsonl('{"oops"')},
                    headers=hx("dataset")).content.decode()
    assert "for 0 examples" not in none and "no valid example to train on" in none


# --- Cost mode: cached input, the long-context tier, Batch and priority (issue 14) ---
def test_cached_input_is_billed_at_the_cached_price_with_its_workings(dev):
    query = "model=gpt-5.4&input_tokens=10000&cached_input_tokens=8000&output_tokens=1000&requests_per_day=100"
    body = dev.get(f"/estimator/cost/?{query}").content.decode()
    # 2,000 x $2.50 + 8,000 x $0.25 + 1,000 x $15, per 1M = $0.005 + $0.002 + $0.015 = $0.022
    assert "2,000 input × $2.50 + 8,000 cached input × $0.25 + 1,000 output × $15.00 per 1M = $0.022" in body


def test_cached_tokens_over_the_input_are_refused(dev):
    body = dev.get("/estimator/cost/?model=gpt-5.4&input_tokens=10&cached_input_tokens=20").content.decode()
    assert "Cached tokens are part of the input: at most the input tokens." in body


def test_input_over_272k_bills_at_the_long_context_rate_where_there_is_one(dev):
    body = dev.get("/estimator/cost/?model=gpt-5.4&input_tokens=300000&output_tokens=1000&requests_per_day=1"
                   ).content.decode()
    assert 'data-deployment-type="GlobalStandard-long_context"' in body
    assert "300,000 input × $5.00 + 1,000 output × $22.50 per 1M = $1.5225" in body
    assert "the table has no long-context rate for gpt-5.4 on DataZone: priced at the standard rate" in body


def test_priority_processing_shows_as_its_own_row(dev):
    body = dev.get("/estimator/cost/?model=gpt-5.6-sol&input_tokens=1000&output_tokens=100&requests_per_day=1"
                   ).content.decode()
    assert 'data-deployment-type="GlobalStandard-priority"' in body
    assert "1,000 input × $10.00 + 100 output × $60.00 per 1M = $0.016" in body


def test_batch_uses_its_own_row_from_the_price_list(dev):
    body = dev.get("/estimator/cost/?model=gpt-5.4-mini&input_tokens=1000000&output_tokens=0&requests_per_day=1"
                   ).content.decode()
    assert re.search(r'data-deployment-type="Batch">.*?1,000,000 input × \$0.375 per 1M = \$0.375', body, re.S)


def test_a_retired_model_says_so_with_its_date_and_successor(dev):
    body = dev.post("/estimator/", {"model": "gpt-4o", "text": "hi"}).content.decode()
    assert "gpt-4o is retired since 1 Oct 2026; requests to its deployments fail; its successor is gpt-5.1." in body


def test_the_picker_groups_current_deprecated_and_retired_models(dev):
    body = dev.get("/estimator/").content.decode()
    current, retired = body.index('<optgroup label="Current models">'), body.index('<optgroup label="Retired">')
    assert current < body.index('value="gpt-5.4-mini"') < retired < body.index('value="gpt-4o"')
    assert "gpt-4o (retired 1 Oct 2026)" in body


def test_the_image_page_draws_the_patch_rule_with_its_multiplier_source(dev):
    body = dev.post("/estimator/image/", {"model": "gpt-4.1-mini", "detail": "high", "sizes": "1800x2400"}
                    ).content.decode()
    assert "33 × 44 = 1,452 patches of 32 px" in body
    assert "1,452 × 1.62 = <strong>2,353</strong>" in body and "documented (OAI-vis25/26)" in body


def test_the_image_page_shows_a_disputed_multiplier_beside_the_figure(dev):
    body = dev.post("/estimator/image/", {"model": "gpt-5-mini", "detail": "high", "sizes": "1024x1024"}
                    ).content.decode()
    assert "1,024 × 1.62 = <strong>1,659</strong>" in body and "disputed: 1.2 measured by users" in body


# --- Dataset mode's prices (issue 14) ---
def test_dataset_mode_shows_which_training_price_it_used(dev):
    data = {"model": "gpt-4.1", "epochs": "1", "deployment_type": "GlobalStandard",
            "training_file": jsonl(*[example(i) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    assert re.search(r"Training priced with <a [^>]+>gpt-4.1</a> on GlobalStandard, the price from .*?:\s*"
                     r"\$25.00 per 1M training tokens", body, re.S)
    assert "Source: AZR: Azure Retail Prices API" in body


def test_developer_training_is_half_the_global_price_without_hosting(dev):
    data = {"model": "gpt-4.1-mini", "epochs": "1", "deployment_type": "Developer",
            "training_file": jsonl(*[example(i) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    assert "$2.50 per 1M training tokens" in body and "$0.00 per hour" in body


def test_reinforcement_fine_tuning_is_priced_per_hour(dev):
    data = {"model": "o4-mini", "epochs": "1", "deployment_type": "GlobalStandard",
            "training_file": jsonl(*[example(i) for i in range(10)])}
    body = dev.post("/estimator/dataset/", data, headers=hx("dataset")).content.decode()
    assert "billed per hour of training" in body and "$100.00 per hour of training" in body


@pytest.mark.parametrize(
    "extra, message",
    [({"messages-0-image_width": "100000", "messages-0-image_height": "100000"}, "over the limit of 1,000,000,000"),
     ({"messages-0-image_width": "10", "messages-0-image_height": "10", "messages-0-image_detail": "original"},
      "Image detail must be one of low, high, auto")],
)
def test_a_chat_image_the_model_cannot_take_is_a_message_not_a_crash(dev, extra, message):
    data = {**chat_data({"role": "user", "text": "hi"}, model="gpt-4o"), **extra}
    response = dev.post("/estimator/chat/", data, headers=hx("chat"))
    assert response.status_code == 200 and message in response.content.decode()
