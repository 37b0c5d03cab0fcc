"""The simulated training curve: a falling loss and rising accuracy, fixed by the job's seed and the step."""

from __future__ import annotations

import io
import math
import random
from typing import Any

RESULT_COLUMNS = ("step", "train_loss", "train_mean_token_accuracy", "valid_loss", "valid_mean_token_accuracy",
                  "full_valid_loss", "full_valid_mean_token_accuracy")


def _noise(seed: int, step: int, salt: int) -> float:
    # Each value depends only on (seed, step), so a job resumed after a restart draws the same curve.
    return random.Random(seed * 1_000_003 + step * 31 + salt).uniform(-1.0, 1.0)


def metrics(seed: int, step: int, total_steps: int, learning_rate_multiplier: float, has_validation: bool,
            epoch_end: bool) -> dict[str, Any]:
    """The metrics of one step; valid_* only with a validation file, full_valid_* only at the end of an epoch."""
    progress = step / max(1, total_steps)
    speed = 2.0 + min(3.0, learning_rate_multiplier)
    base = 0.25 + 2.1 * math.exp(-speed * progress)
    train_loss = max(0.01, base + 0.06 * _noise(seed, step, 1))
    train_acc = min(0.999, max(0.0, 1.0 - train_loss / 2.8 + 0.02 * _noise(seed, step, 2)))
    out: dict[str, Any] = {"step": step, "train_loss": round(train_loss, 5),
                           "train_mean_token_accuracy": round(train_acc, 5)}
    if has_validation:
        valid_loss = max(0.01, base + 0.08 + 0.07 * _noise(seed, step, 3))
        out["valid_loss"] = round(valid_loss, 5)
        out["valid_mean_token_accuracy"] = round(min(0.999, max(0.0, 1.0 - valid_loss / 2.8)), 5)
        if epoch_end:
            full = max(0.01, base + 0.1 + 0.02 * _noise(seed, step, 4))
            out["full_valid_loss"] = round(full, 5)
            out["full_valid_mean_token_accuracy"] = round(min(0.999, max(0.0, 1.0 - full / 2.8)), 5)
    return out


def results_csv(seed: int, steps: int, steps_per_epoch: int, total_steps: int, learning_rate_multiplier: float,
                has_validation: bool) -> bytes:
    """results.csv for the steps done: one row per step, blanks where a column has no value."""
    out = io.StringIO()
    out.write(",".join(RESULT_COLUMNS) + "\n")
    for step in range(1, steps + 1):
        row = metrics(seed, step, total_steps, learning_rate_multiplier, has_validation,
                      step % steps_per_epoch == 0)
        out.write(",".join("" if row.get(c) is None else str(row[c]) for c in RESULT_COLUMNS) + "\n")
    return out.getvalue().encode()
