"""A Developer uses each mode of the estimator in a real browser: the counts update as they type and upload."""

import json
import re
from importlib import import_module

import pytest
from django.apps import apps
from PIL import Image
from playwright.sync_api import expect

from studio.accounts import roles


@pytest.fixture
def seeded_prices(site):
    """The seed prices, again: each browser test ends with a flush that empties what the data migrations wrote."""
    import_module("studio.estimator.migrations.0002_seed_prices").seed(apps, None)
    import_module("studio.estimator.migrations.0005_seed_prices_2026").forward(apps, None)


@pytest.fixture
def estimator(seeded_prices, sign_in, make_user, site):
    """A signed-in Developer on the estimator, on the tab named."""

    def open_tab(tab=None):
        make_user("dev", roles.DEVELOPER)
        page = sign_in("dev")
        page.goto(f"{site}/estimator/")
        if tab:
            page.locator("nav.tabs a", has_text=tab).click()
            expect(page.locator("nav.tabs a[aria-current=page]")).to_have_text(tab)
        return page

    return open_tab


def test_text_mode_counts_and_colours_tokens_as_you_type(estimator):
    page = estimator()
    page.locator("#id_text").press_sequentially("hello world")
    expect(page.locator("#token-count")).to_have_text("2")
    tokens = page.locator(".tokens .tok")
    expect(tokens).to_have_count(2)
    expect(tokens.first).to_have_attribute("title", "token 24912")
    expect(page.locator("#text-result .price-note")).to_contain_text("30 Nov 2026")
    expect(page.locator("#text-result .price-note")).to_contain_text("Source: AZR")

    page.locator("#id_text").press_sequentially(", again and again")
    expect(page.locator("#token-count")).to_have_text("6")
    expect(tokens).to_have_count(6)
    expect(page.locator("#id_text")).to_have_value("hello world, again and again")  # the form was never swapped


def test_chat_mode_adds_a_message_and_recounts(estimator):
    page = estimator("Chat")
    expect(page).to_have_url(re.compile(r"/estimator/chat/$"))
    page.fill("#id_messages-1-text", "hello world")
    expect(page.locator("#token-count")).to_have_text("19")  # 3 + (3+1+6) + (3+1+2)

    page.click("text=Add message")
    expect(page.locator(".message-row")).to_have_count(3)
    expect(page.locator("#token-count")).to_have_text("23")  # the blank row still costs 3 + its role
    page.fill("#id_messages-2-text", "more words here")
    expect(page.locator("#token-count")).to_have_text("26")
    expect(page.locator("#chat-result")).to_contain_text("Per message: 3 × 3")


def test_image_mode_draws_the_tiles_of_a_typed_size_and_of_an_upload(estimator, tmp_path):
    page = estimator("Image")
    page.select_option("#id_model", "gpt-4o")  # gpt-4o's tiles: 85 + 170 each
    page.select_option("#id_detail", "high")
    page.fill("#id_sizes", "2048x4096")
    expect(page.locator("#token-count")).to_have_text("1,105")
    expect(page.locator("#image-result svg.tile-grid rect.tile")).to_have_count(6)
    expect(page.locator("#image-result")).to_contain_text("768 × 1,536")

    picture = tmp_path / "square.png"
    Image.new("RGB", (1024, 1024), "orange").save(picture)
    page.fill("#id_sizes", "")
    page.set_input_files("#id_images", str(picture))
    expect(page.locator("#token-count")).to_have_text("765")
    expect(page.locator("#image-result h3")).to_contain_text("square.png")
    expect(page.locator("#image-result svg.tile-grid image")).to_have_count(1)  # the thumbnail under the grid


def test_cost_mode_projects_a_month_on_every_deployment_type(estimator):
    page = estimator()
    page.locator("#id_text").press_sequentially("hello world")
    expect(page.locator("#token-count")).to_have_text("2")
    page.click("text=Project the monthly cost")
    expect(page).to_have_url(re.compile(r"/estimator/cost/\?model=gpt-5.4-mini&input_tokens=2$"))
    expect(page.locator("#id_input_tokens")).to_have_value("2")

    page.fill("#id_input_tokens", "1000")
    page.fill("#id_output_tokens", "500")
    page.fill("#id_requests_per_day", "1000")
    rows = page.locator("#projection tbody tr")
    expect(rows).to_have_count(4)
    # 1,000 x $0.75 + 500 x $4.50 per 1M = $0.003 a request, 1,000 a day, 30 days; Batch from its own row.
    expect(page.locator('tr[data-deployment-type="GlobalStandard"] strong')).to_have_text("$90.00")
    expect(page.locator('tr[data-deployment-type="Batch"] strong')).to_have_text("$45.00")
    expect(page.locator('tr[data-deployment-type="Standard"]')).to_contain_text("No price for gpt-5.4-mini on Standard")

    page.goto(page.url.replace("gpt-5.4-mini", "llama-3"))
    expect(page.locator("#id_model")).to_have_value("llama-3")  # the picker shows what was asked for
    expect(page.locator("#cost-result")).not_to_have_class(re.compile(r"\bcard\b"))  # no empty result card


def test_dataset_mode_lists_a_broken_line_and_counts_the_rest(estimator, tmp_path):
    page = estimator("Dataset")
    lines = [json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                      {"role": "assistant", "content": f"answer {i}"}]}) for i in range(12)]
    lines.insert(2, '{"messages": [{"role": "user"')  # line 3
    training = tmp_path / "train.jsonl"
    training.write_text("\n".join(lines) + "\n")
    page.set_input_files("#id_training_file", str(training))
    expect(page.locator("#example-count")).to_have_text("12")
    expect(page.locator("#broken-count")).to_have_text("1")
    error = page.locator("#line-errors tbody tr")
    expect(error).to_have_count(1)
    expect(error.locator("td").first).to_have_text("3")
    expect(error).to_contain_text("invalid JSON")
    expect(page.locator("#dataset-result")).to_contain_text("auto chose 8 for 12 examples")


def test_the_cost_tile_never_wraps_on_a_narrow_screen(estimator):
    page = estimator()
    page.set_viewport_size({"width": 360, "height": 800})
    page.select_option("#id_model", "gpt-5.4-pro")  # $30 per 1M: a long figure
    page.locator("#id_text").press_sequentially("hello world, hello world")
    money = page.locator("#text-result .stat-money .stat-value")
    expect(money).to_contain_text("$0.00")
    height, line = money.evaluate("e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]")
    assert height < line * 1.5, f"the cost wraps: {height}px for a {line}px line"
