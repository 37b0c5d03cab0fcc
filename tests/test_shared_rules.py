"""The shared rules stay pure: the engine loads them without Django, and user JSON is parsed with a depth bound."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shared_rules.json_input import MAX_JSON_DEPTH, JSONInputError, loads_bounded


def test_importing_the_engine_app_loads_no_django_and_no_studio():
    probe = (
        "import sys; import engine.app; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'studio')));"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_studio_does_not_import_the_engine():
    probe = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'studio.settings'); django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import studio.core.management.commands.runstack, studio.celery, sys;"
        "print(','.join(sorted(m for m in sys.modules if m == 'engine' or m.startswith('engine.'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000, "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)],
)
def test_deep_json_is_refused_with_a_clear_message(text):
    with pytest.raises(JSONInputError, match="nested more than"):
        loads_bounded(text)


def test_json_at_the_depth_limit_and_brackets_inside_strings_are_fine():
    assert loads_bounded("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    assert loads_bounded(json.dumps({"a": "[" * 10_000})) == {"a": "[" * 10_000}


@pytest.mark.parametrize("text", ['{"t": NaN}', "[Infinity]", "[-Infinity]", "{", b"\xff\xfe"])
def test_non_json_is_refused(text):
    with pytest.raises(JSONInputError, match="not"):
        loads_bounded(text)
