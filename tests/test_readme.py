"""The README's settings and roles tables say what the code does: every variable Studio reads is documented, every
documented one is read, and each role's line is the description the profile page shows."""

from __future__ import annotations

import re
from pathlib import Path

from studio.accounts import roles

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
READ_BY_CODE = re.compile(r'env_(?:str|int|bool|list)\(\s*"([A-Z][A-Z0-9_]+)"')
ENGINE_READS = re.compile(r'env\.get\("([A-Z][A-Z0-9_]+)"|_env_\w+\(env, "([A-Z][A-Z0-9_]+)"')
# Read by settings only in production, or by Django itself: documented in the compose section, not the table.
NOT_IN_TABLE = {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "STUDIO_STATIC_ROOT", "TIME_ZONE"}
# Read through the standard library's proxy rules (urllib, as curl reads them) by the upstream clients.
READ_BY_URLLIB = {"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"}


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def _table_variables() -> set[str]:
    names = set()
    for line in _section("Settings").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


STUDIO_CODE = ("studio", "playground", "finetune")


def _read_by_studio() -> set[str]:
    return {name for folder in STUDIO_CODE for path in (ROOT / folder).rglob("*.py")
            for name in READ_BY_CODE.findall(path.read_text())}


def test_every_variable_studio_reads_is_in_the_settings_table():
    read = _read_by_studio()
    assert read - NOT_IN_TABLE - _table_variables() == set()


def test_every_variable_in_the_settings_table_is_read():
    studio = _read_by_studio()
    engine = {name for path in (ROOT / "engine").rglob("*.py") for pair in ENGINE_READS.findall(path.read_text())
              for name in pair if name}
    assert _table_variables() - studio - engine - READ_BY_URLLIB == set()
    assert "urllib.request.getproxies_environment()" in (ROOT / "studio/upstream/http.py").read_text()


def test_the_roles_table_is_what_the_code_says_each_role_may_do():
    rows = {}
    for line in _section("Roles").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] in roles.ROLES:
            rows[cells[0]] = cells[1]
    assert rows == roles.ROLE_DESCRIPTIONS
