"""The two image-input token rules and each family's constants: 512-px tiles, and 32-px patches times a multiplier.

Sources: OpenAI's vision guide "Calculating costs" (OAI-vis25, and its 2026 revision OAI-vis26), with user
measurements (COMM, 2026-03) where the guide publishes no multiplier; see shared/reference/models-and-prices-2026.md
section 6. Azure publishes no rule of its own: the same models are assumed to count the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from shared_rules.errors import EstimatorError

TILE = 512
TILE_MAX_SIDE = 2048
PATCH = 32
PATCH_BUDGET = 1536
LOW_DETAIL_SIDE = 512  # patch models: low detail is a 512 x 512 version (disputed: COMM saw no effect on billing)


@dataclass(frozen=True)
class TileRule:
    """low = base; high: fit in 2048 x 2048, short side to `short_side`, 512-px tiles; base + per_tile each."""

    base: int
    per_tile: int
    short_side: int = 768
    source: str = "OAI-vis25/26"
    kind: str = "tile"
    details: tuple[str, ...] = ("low", "high", "auto")
    auto_detail: str = "high"


@dataclass(frozen=True)
class PatchBudget:
    patches: int | None  # None: no downscaling at all
    max_side: int | None = None  # fit within this many pixels first, when the doc gives one


@dataclass(frozen=True)
class PatchRule:
    """ceil(w/32) x ceil(h/32) patches, shrunk to the detail's budget by the published resize, times a multiplier."""

    multiplier: Decimal
    multiplier_source: str  # where the multiplier comes from; "documented" figures win over measured ones
    disputed: str = ""  # the other figure when the reference marks the multiplier as disputed
    budgets: dict[str, PatchBudget] = field(default_factory=lambda: {"high": PatchBudget(PATCH_BUDGET)})
    auto_detail: str = "high"
    fail_over: int | None = None  # more patches than this at a no-downscaling detail: the request fails (HTTP 400)
    source: str = "OAI-vis25/26"
    kind: str = "patch"

    @property
    def details(self) -> tuple[str, ...]:
        return ("low", *self.budgets, "auto")


ImageRule = TileRule | PatchRule


@dataclass(frozen=True)
class RuleSteps:
    """How an image's tokens were reached, step by step, for the page to draw."""

    detail: str  # the detail the rule applied (auto resolved to high or original)
    fitted: tuple[int, int]  # after the first fit (2048 px for tiles, the detail's max side for patches)
    resized: tuple[int, int]  # what the tiles or patches are cut from
    tiles: int = 0
    patches: int = 0
    raw_patches: int = 0  # before the budget
    budget: int | None = None
    multiplier: Decimal | None = None
    tokens: int = 0


def _scaled(width: int, height: int, target: int, side: int) -> tuple[int, int]:
    # Integer floor like OpenAI's worked examples, never below 1 px for very thin images.
    return max(1, width * target // side), max(1, height * target // side)


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    if max(width, height) > max_side:
        return _scaled(width, height, max_side, max(width, height))
    return width, height


def tile_steps(rule: TileRule, width: int, height: int, detail: str) -> RuleSteps:
    if detail == "low":
        return RuleSteps("low", (width, height), (width, height), tokens=rule.base)
    fitted = fit_within(width, height, TILE_MAX_SIDE)
    w, h = fitted
    if min(w, h) > rule.short_side:
        w, h = _scaled(w, h, rule.short_side, min(w, h))
    tiles = math.ceil(w / TILE) * math.ceil(h / TILE)
    return RuleSteps(detail, fitted, (w, h), tiles=tiles, tokens=rule.base + rule.per_tile * tiles)


def _ceil(value: float) -> int:
    # The resize lands on whole patch counts (33.0 for 1800 px): float noise must not round 33.0000000001 up to 34.
    return math.ceil(value - 1e-9)


def patches_within(width: int, height: int, budget: int) -> tuple[int, int, int]:
    """(columns, rows, raw) by the published rule: scale to the budget, then nudge so whole patches fit."""
    raw = math.ceil(width / PATCH) * math.ceil(height / PATCH)
    if raw <= budget:
        return math.ceil(width / PATCH), math.ceil(height / PATCH), raw
    r = math.sqrt(PATCH * PATCH * budget / (width * height))
    r *= min(math.floor(width * r / PATCH) / (width * r / PATCH), math.floor(height * r / PATCH) / (height * r / PATCH))
    return _ceil(width * r / PATCH), _ceil(height * r / PATCH), raw


def patch_steps(rule: PatchRule, width: int, height: int, detail: str) -> RuleSteps:
    if detail == "low":
        budget = PatchBudget((LOW_DETAIL_SIDE // PATCH) ** 2, LOW_DETAIL_SIDE)
    else:
        budget = rule.budgets[detail]
    fitted = fit_within(width, height, budget.max_side) if budget.max_side else (width, height)
    if budget.patches is None:
        columns, rows = math.ceil(fitted[0] / PATCH), math.ceil(fitted[1] / PATCH)
        raw = columns * rows
        if rule.fail_over is not None and raw > rule.fail_over:
            raise EstimatorError(
                f"a {width:,} x {height:,} image is {raw:,} patches of {PATCH} px at {detail} detail, over the "
                f"{rule.fail_over:,} this model takes without resizing: the request would fail (HTTP 400); "
                "send it smaller or at high detail",
                param="detail",
            )
    else:
        columns, rows, raw = patches_within(*fitted, budget.patches)
    patches = columns * rows
    tokens = int((Decimal(patches) * rule.multiplier).to_integral_value(rounding=ROUND_CEILING))
    resized = (min(fitted[0], columns * PATCH), min(fitted[1], rows * PATCH))
    return RuleSteps(detail, fitted, resized, patches=patches, raw_patches=raw, budget=budget.patches,
                     multiplier=rule.multiplier, tokens=tokens)


def rule_steps(rule: ImageRule, width: int, height: int, detail: str) -> RuleSteps:
    """The steps and tokens of one image under a rule; `auto` is what the rule says it means for the model."""
    if detail not in rule.details:
        raise EstimatorError(f"image detail must be one of {', '.join(rule.details)}, got {detail!r}", param="detail")
    applied = rule.auto_detail if detail == "auto" else detail
    if isinstance(rule, TileRule):
        return tile_steps(rule, width, height, applied)
    return patch_steps(rule, width, height, applied)


# --- Each family's constants (reference section 6) ---
GPT_4O_TILES = TileRule(85, 170)  # gpt-4o, gpt-4.1, gpt-4.5, gpt-4-turbo
GPT_4O_MINI_TILES = TileRule(2833, 5667)  # priced to cost gpt-4o's dollars at gpt-4o-mini's token price
GPT_5_TILES = TileRule(70, 140)  # gpt-5, gpt-5-chat, gpt-chat-latest
O_SERIES_TILES = TileRule(75, 150)  # o1, o1-pro, o3
GPT_IMAGE_INPUT_TILES = TileRule(65, 129, short_side=512)  # GPT Image 1 input: short side 512, not 768


def _patches(multiplier: str, source: str, disputed: str = "", **kwargs) -> PatchRule:
    return PatchRule(Decimal(multiplier), source, disputed, **kwargs)


GPT_41_MINI_PATCHES = _patches("1.62", "documented (OAI-vis25/26)")
GPT_41_NANO_PATCHES = _patches("2.46", "documented (OAI-vis25/26)")
O4_MINI_PATCHES = _patches("1.72", "documented (OAI-vis25/26)")
CODEX_MINI_PATCHES = _patches("1.72", "as o4-mini, per user measurements (COMM 2026-03)")
GPT_5_MINI_PATCHES = _patches("1.62", "documented (OAI-vis26)", "1.2 measured by users (COMM 2026-03)")
GPT_5_NANO_PATCHES = _patches("2.46", "documented (OAI-vis26)", "1.5 measured by users for gpt-5-nano (COMM 2026-03)")
GPT_54_NANO_PATCHES = _patches("2.46", "documented (OAI-vis26)",
                               "1.2 measured by users for gpt-5.4-nano (COMM 2026-03)")
# No documented multiplier: the users' measurement is the only figure, so it is used and named as such.
GPT_52_PATCHES = _patches("1.2", "not documented; 1.2 measured by users (COMM 2026-03)")
_LARGE = {"high": PatchBudget(2500, 2048), "original": PatchBudget(10000, 6000)}
GPT_54_PATCHES = _patches("1.2", "not documented; 1.2 measured by users (COMM 2026-03)", budgets=_LARGE)
GPT_55_PATCHES = _patches("1", "not published; counted at 1 (approximate)", budgets=_LARGE, auto_detail="original")
GPT_56_PATCHES = _patches(
    "1", "not published; counted at 1 (approximate)",
    budgets={"high": PatchBudget(2500, 2048), "original": PatchBudget(None)}, auto_detail="original", fail_over=30000,
)
