"""The install's check that this machine's llama.cpp build decodes: a crash or a bad file is a clear no."""

from __future__ import annotations

import pytest

from engine.backends.llama_check import SMOLLM2, decodes
from engine.backends.registry import asset_path

pytestmark = pytest.mark.models


def test_the_installed_build_decodes_smollm2():
    assert decodes(str(asset_path(SMOLLM2))) == (True, "")


def test_a_file_llama_cpp_cannot_load_is_a_no_with_the_reason(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF not really")
    ok, why = decodes(str(broken))
    assert not ok and why.startswith("exit status 1") and "broken.gguf" in why
