"""The simulated content filter: config rules (terms, regexes, severities) judged against a deployment's policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("hate", "sexual", "violence", "self_harm")
SEVERITIES = ("safe", "low", "medium", "high")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
_THRESHOLD_RANK = {"low": 1, "medium": 2, "high": 3}
# ARM spells filter names several ways across api-versions ("Selfharm", "Self_harm", "Protected Material Text").
_ARM_NAMES = {
    "hate": "hate", "sexual": "sexual", "violence": "violence", "selfharm": "self_harm", "self_harm": "self_harm",
    "self-harm": "self_harm", "jailbreak": "jailbreak", "protected material text": "protected_material_text",
    "protected_material_text": "protected_material_text", "protected material code": "protected_material_code",
    "protected_material_code": "protected_material_code", "profanity": "profanity",
    "indirect attack": "indirect_attack", "indirect_attack": "indirect_attack",
}
ARM_FILTER_NAMES = frozenset(_ARM_NAMES)
SOURCES = ("prompt", "completion")


def _compile(terms: list[str], patterns: list[str]) -> re.Pattern[str] | None:
    parts = [re.escape(t) for t in terms] + list(patterns)
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class Rules:
    """The config's detectors, compiled once: per category and severity, jailbreak, protected material, blocklists."""

    levels: dict[str, list[tuple[int, re.Pattern[str]]]]  # category -> [(rank, regex)], highest rank first
    jailbreak: re.Pattern[str] | None
    protected_text: re.Pattern[str] | None
    blocklists: dict[str, re.Pattern[str]]
    anything: re.Pattern[str] | None  # one pass over the text decides whether the detailed checks are needed

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Rules:
        levels: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        sources: list[str] = []
        for category in CATEGORIES:
            entries = []
            for entry in cfg.get("categories", {}).get(category, ()):
                regex = _compile(entry.get("terms", []), entry.get("patterns", []))
                if regex is not None:
                    entries.append((_RANK[entry["severity"].lower()], regex))
                    sources.append(regex.pattern)
            levels[category] = sorted(entries, key=lambda e: -e[0])
        jailbreak = _compile([], cfg.get("jailbreak_patterns", []))
        protected = _compile([], cfg.get("protected_material_text_patterns", []))
        blocklists = {name: regex for name, terms in cfg.get("blocklists", {}).items()
                      if (regex := _compile(list(terms), [])) is not None}
        sources += [r.pattern for r in (jailbreak, protected, *blocklists.values()) if r is not None]
        anything = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE) if sources else None
        return cls(levels, jailbreak, protected, blocklists, anything)


@dataclass(frozen=True)
class Policy:
    """What a RAI policy blocks: a severity rank per category and source (None = annotate only)."""

    name: str
    thresholds: dict[tuple[str, str], int | None]  # (category, source) -> lowest blocked rank
    jailbreak: bool = True  # blocks detected jailbreaks
    protected_text: bool = True
    blocklists: tuple[tuple[str, str, bool], ...] = ()  # (name, source, blocking)
    arm: dict[str, Any] = field(default_factory=dict, compare=False)  # the ARM properties it was built from

    @classmethod
    def from_arm(cls, name: str, properties: dict[str, Any]) -> Policy:
        thresholds: dict[tuple[str, str], int | None] = {(c, s): None for c in CATEGORIES for s in SOURCES}
        jailbreak = protected = False
        for f in properties.get("contentFilters") or ():
            kind = _ARM_NAMES.get(str(f.get("name", "")).lower())
            source = str(f.get("source", "Prompt")).lower()
            active = f.get("enabled", True) and f.get("blocking", True)
            if kind in CATEGORIES:
                level = str(f.get("severityThreshold") or "Medium").lower()
                thresholds[(kind, source)] = _THRESHOLD_RANK.get(level, 2) if active else None
            elif kind == "jailbreak":
                jailbreak = bool(active)
            elif kind == "protected_material_text":
                protected = bool(active)
        blocklists = tuple((b.get("blocklistName", ""), str(b.get("source", "Prompt")).lower(),
                            bool(b.get("blocking", True))) for b in properties.get("customBlocklists") or ())
        return cls(name, thresholds, jailbreak, protected, blocklists, dict(properties))


def builtin_policy_properties(threshold: str, jailbreak: bool, protected_material: bool) -> dict[str, Any]:
    """The ARM properties of a Microsoft.* policy from the config's short form."""
    filters = [{"name": arm, "blocking": True, "enabled": True, "severityThreshold": threshold, "source": source}
               for arm in ("Hate", "Sexual", "Violence", "Selfharm") for source in ("Prompt", "Completion")]
    filters.append({"name": "Jailbreak", "blocking": jailbreak, "enabled": jailbreak, "source": "Prompt"})
    filters.append({"name": "Protected Material Text", "blocking": protected_material, "enabled": protected_material,
                    "source": "Completion"})
    filters.append({"name": "Protected Material Code", "blocking": False, "enabled": protected_material,
                    "source": "Completion"})
    return {"mode": "Blocking", "contentFilters": filters, "customBlocklists": []}


def _safe(source: str) -> dict[str, Any]:
    result: dict[str, Any] = {c: {"filtered": False, "severity": "safe"} for c in CATEGORIES}
    if source == "prompt":
        result["jailbreak"] = {"filtered": False, "detected": False}
    else:
        result["protected_material_text"] = {"filtered": False, "detected": False}
        result["protected_material_code"] = {"filtered": False, "detected": False}
    return result


# Shared, never mutated: the common case of clean text costs one regex search and no allocation.
SAFE_PROMPT = _safe("prompt")
SAFE_COMPLETION = _safe("completion")


@dataclass
class Verdict:
    results: dict[str, Any]
    blocked: bool = False
    offset: int | None = None  # where blocked completion text must be cut


class ContentFilter:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.blocklists = dict(rules.blocklists)  # the config's, plus those made through ARM raiBlocklists

    def set_blocklist(self, name: str, regex: re.Pattern[str] | None) -> None:
        """Replace (or with None remove) an ARM-made blocklist; the config's stay as they are."""
        if name in self.rules.blocklists:
            return
        if regex is None:
            self.blocklists.pop(name, None)
        else:
            self.blocklists[name] = regex

    def check(self, policy: Policy, text: str, source: str) -> Verdict:
        """Annotate `text` (source "prompt" or "completion"); blocked when the policy blocks what was found."""
        safe = SAFE_PROMPT if source == "prompt" else SAFE_COMPLETION
        if not text or self.rules.anything is None or not self.rules.anything.search(text):
            if not policy.blocklists:
                return Verdict(safe)
        results = _safe(source)
        blocked, offsets = False, []
        for category in CATEGORIES:
            for rank, regex in self.rules.levels[category]:
                match = regex.search(text)
                if match:
                    threshold = policy.thresholds.get((category, source))
                    hit = threshold is not None and rank >= threshold
                    results[category] = {"filtered": hit, "severity": SEVERITIES[rank]}
                    if hit:
                        blocked = True
                        offsets.append(match.start())
                    break
        if source == "prompt" and self.rules.jailbreak is not None:
            match = self.rules.jailbreak.search(text)
            results["jailbreak"] = {"filtered": bool(match) and policy.jailbreak, "detected": bool(match)}
            blocked |= bool(match) and policy.jailbreak
        if source == "completion" and self.rules.protected_text is not None:
            match = self.rules.protected_text.search(text)
            hit = bool(match) and policy.protected_text
            results["protected_material_text"] = {"filtered": hit, "detected": bool(match)}
            if hit:
                blocked = True
                offsets.append(match.start())
        if policy.blocklists:
            listed = []
            for name, list_source, blocking in policy.blocklists:
                regex = self.blocklists.get(name)
                match = regex.search(text) if regex is not None and list_source == source else None
                hit = bool(match) and blocking
                listed.append({"id": name, "filtered": hit})
                if hit:
                    blocked = True
                    offsets.append(match.start())
            results["custom_blocklists"] = listed
        return Verdict(results, blocked, min(offsets) if offsets else None)
