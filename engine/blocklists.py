"""Custom blocklists: the config's (read-only) plus those made through ARM raiBlocklists, compiled for the filter."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from engine.contentfilter import ContentFilter
from engine.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS rai_blocklists (name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rai_blocklist_items (
    blocklist TEXT NOT NULL REFERENCES rai_blocklists (name) ON DELETE CASCADE, name TEXT NOT NULL,
    pattern TEXT NOT NULL, is_regex INTEGER NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (blocklist, name)
);
"""
MAX_PATTERN = 1000


class PatternError(ValueError):
    """A blocklist item whose pattern cannot be used; the message says why."""


@dataclass(frozen=True)
class Item:
    name: str
    pattern: str
    is_regex: bool


def compile_pattern(pattern: str, is_regex: bool) -> re.Pattern[str]:
    if not pattern or len(pattern) > MAX_PATTERN:
        raise PatternError(f"pattern must be 1 to {MAX_PATTERN} characters")
    try:
        return re.compile(pattern if is_regex else re.escape(pattern), re.IGNORECASE)
    except re.error as e:
        raise PatternError(f"pattern is not a valid regular expression: {e}") from None


class BlocklistStore:
    """Writes go to SQLite and straight into the content filter, so the next request is judged by them."""

    def __init__(self, db: Database, config_lists: dict[str, list[str]], content_filter: ContentFilter) -> None:
        self.db = db
        db.conn.executescript(SCHEMA)
        self.builtin = {name: [Item(f"item{i + 1}", term, False) for i, term in enumerate(terms)]
                        for name, terms in config_lists.items()}
        self.content_filter = content_filter
        for name in self.custom_names():
            self._publish(name)

    def custom_names(self) -> list[str]:
        return [r["name"] for r in self.db.all("SELECT name FROM rai_blocklists ORDER BY created_at")]

    def exists(self, name: str) -> bool:
        return name in self.builtin or self.description(name) is not None

    def description(self, name: str) -> str | None:
        if name in self.builtin:
            return "Defined in the engine's config file (read-only)."
        row = self.db.one("SELECT description FROM rai_blocklists WHERE name = ?", (name,))
        return row["description"] if row else None

    def put(self, name: str, description: str) -> bool:
        created = self.description(name) is None
        self.db.execute("INSERT INTO rai_blocklists (name, description, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET description = excluded.description",
                        (name, description, time.time()))
        return created

    def delete(self, name: str) -> bool:
        deleted = self.db.execute("DELETE FROM rai_blocklists WHERE name = ?", (name,)).rowcount > 0
        self.content_filter.set_blocklist(name, None)
        return deleted

    def items(self, name: str) -> list[Item]:
        if name in self.builtin:
            return self.builtin[name]
        rows = self.db.all("SELECT name, pattern, is_regex FROM rai_blocklist_items WHERE blocklist = ? "
                           "ORDER BY created_at", (name,))
        return [Item(r["name"], r["pattern"], bool(r["is_regex"])) for r in rows]

    def item(self, name: str, item: str) -> Item | None:
        return next((i for i in self.items(name) if i.name == item), None)

    def put_items(self, name: str, items: list[Item]) -> list[bool]:
        """Create or replace items (patterns already checked); True for each one that is new."""
        created = []
        with self.db.transaction():
            for item in items:
                created.append(self.item(name, item.name) is None)
                self.db.execute(
                    "INSERT INTO rai_blocklist_items (blocklist, name, pattern, is_regex, created_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (blocklist, name) DO UPDATE SET pattern = excluded.pattern, "
                    "is_regex = excluded.is_regex", (name, item.name, item.pattern, int(item.is_regex), time.time()))
        self._publish(name)
        return created

    def delete_items(self, name: str, item_names: list[str]) -> int:
        with self.db.transaction():
            count = sum(self.db.execute("DELETE FROM rai_blocklist_items WHERE blocklist = ? AND name = ?",
                                        (name, item)).rowcount for item in item_names)
        self._publish(name)
        return count

    def _publish(self, name: str) -> None:
        items = self.items(name)
        parts = [compile_pattern(i.pattern, i.is_regex).pattern for i in items]
        regex = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None
        self.content_filter.set_blocklist(name, regex)


def item_json(item: Item) -> dict[str, Any]:
    return {"pattern": item.pattern, "isRegex": item.is_regex}
