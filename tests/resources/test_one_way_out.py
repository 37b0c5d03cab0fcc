"""Only studio/upstream/ talks to model endpoints and ARM: no other Studio module imports their client libraries."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDIO_PACKAGES = ("studio", "playground", "finetune", "shared_rules")
UPSTREAM_LIBRARIES = ("openai", "httpx2", "httpx", "azure.identity", "azure.core", "requests", "urllib3", "aiohttp")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_upstream_package_imports_http_and_sdk_clients():
    offenders = []
    for package in STUDIO_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.is_relative_to(ROOT / "studio" / "upstream"):
                continue
            for name in _imports(path):
                if any(name == lib or name.startswith(f"{lib}.") for lib in UPSTREAM_LIBRARIES):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_check_sees_imports_it_must_refuse(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import httpx2\nfrom openai import AzureOpenAI\n"
                      "from azure.identity import DefaultAzureCredential\n")
    assert {"httpx2", "openai", "azure.identity"} <= _imports(sample)
