"""Studio's web and worker processes never load the model stack: only the engine process does, lazily."""

from __future__ import annotations

import subprocess
import sys

from tests.engine_server import ROOT

HEAVY = ("torch", "llama_cpp", "onnxruntime", "transformers", "sentence_transformers", "faster_whisper",
         "ctranslate2", "peft")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"heavy = {HEAVY!r}\n"
             "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                            env=env)
    return [m for m in result.stdout.strip().split(",") if m]


def test_studio_urls_celery_app_and_asgi_load_no_model_runtime():
    loaded = _loaded_after(
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'studio.settings')\n"
        "import django; django.setup()\n"
        "from django.urls import get_resolver; get_resolver().url_patterns\n"
        "from studio.celery import app; app.loader.import_default_modules()\n"
        "import studio.asgi")
    assert loaded == []


def test_the_engine_app_with_real_models_on_loads_no_model_runtime_until_a_request(tmp_path):
    # Building the engine checks which real models are installed without importing their runtimes.
    loaded = _loaded_after(
        "from engine.app import create_app\n"
        "from engine.settings import EngineSettings\n"
        f"create_app(EngineSettings(data_dir=__import__('pathlib').Path({str(tmp_path)!r}), real_models=True))")
    assert loaded == []
