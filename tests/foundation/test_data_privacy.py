"""Studio's data folder and every file in it are private to the user who runs Studio, including files made later."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from studio.env import suite_database_path
from tests.processes import ROOT, child_env


def _readable_by_others(folder) -> list[str]:
    loose = []
    for root, dirs, files in os.walk(folder):
        for name in [root, *(os.path.join(root, entry) for entry in dirs + files)]:
            if not os.path.islink(name) and stat.S_IMODE(os.lstat(name).st_mode) & 0o077:
                loose.append(f"{name} {stat.S_IMODE(os.lstat(name).st_mode):o}")
    return loose


def test_a_fresh_data_folder_and_the_database_made_in_it_are_private(tmp_path):
    var = tmp_path / "var"
    env = child_env(STUDIO_DATA_DIR=str(var), DATABASE_URL="")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    # Later files too: an upload or a log written by a process that loaded the settings.
    probe = ("import django; django.setup(); from django.conf import settings; "
             "(settings.VAR_DIR / 'log.txt').write_text('x')")
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "studio.settings"},
                   check=True)
    assert (var / "studio.sqlite3").exists() and (var / "log.txt").exists()
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert _readable_by_others(var) == []


def test_an_older_install_left_readable_is_tightened_at_start(tmp_path):
    var = tmp_path / "var"
    (var / "engine").mkdir(parents=True)
    os.chmod(var, 0o755)  # noqa: S103 - the loose mode an older install left, which start-up must tighten
    os.chmod(var / "engine", 0o755)  # noqa: S103
    for name in ("studio.sqlite3", "studio.sqlite3-wal", "engine/engine.sqlite3"):
        (var / name).write_text("old")
        os.chmod(var / name, 0o644)
    env = child_env(STUDIO_DATA_DIR=str(var), DATABASE_URL="", DJANGO_SETTINGS_MODULE="studio.settings")
    subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, check=True)
    assert _readable_by_others(var) == []


def test_the_suite_keeps_its_database_out_of_the_data_folder(db, settings):
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert not name.startswith(str(settings.VAR_DIR))
    if connection.vendor == "sqlite":  # on PostgreSQL the suite's database is the server's test_<name>
        assert name == str(suite_database_path())
    assert not str(suite_database_path()).startswith(str(settings.VAR_DIR))
