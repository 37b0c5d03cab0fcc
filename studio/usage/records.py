"""Writing usage records, and pricing them from the price table.

Streams must not wait for the database: `usage_record_later` hands the row to a small thread pool after the last
byte has gone, and `pending_writes_flush` lets tests (and shutdown) wait for what is queued.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone

from shared_rules import pricing
from shared_rules.errors import EstimatorError
from studio.estimator.selectors import PriceBook, price_book, priced_deployment_type
from studio.usage.models import UsageRecord

log = logging.getLogger(__name__)

_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-writer")
_pending: set[Future] = set()
_pending_lock = threading.Lock()

FIELDS = {field.name for field in UsageRecord._meta.get_fields() if getattr(field, "concrete", False)} | {
    "user_id", "resource_id", "deployment_id"}


@dataclass(frozen=True)
class Tariff:
    """What one deployment's calls cost: the price row found once, before a call, so the end is arithmetic only."""

    model: str
    deployment_type: str
    row: pricing.PriceRow | None

    def tokens(self, prompt_tokens: int | None, completion_tokens: int | None) -> Decimal | None:
        if self.row is None or prompt_tokens is None:
            return None
        try:
            return pricing.token_cost(prompt_tokens, completion_tokens or 0, self.row).total
        except EstimatorError:
            return None

    def of(self, cost_of) -> Decimal | None:
        if self.row is None:
            return None
        try:
            return cost_of(self.row).total
        except EstimatorError:
            return None


def priced_model_name(deployment) -> str:
    return deployment.model_name + (f"-{deployment.model_version}" if deployment.model_version else "")


# Reading the whole price table costs 10-20 ms of CPU, which a stream's first token would feel through the GIL;
# the table changes rarely, so each process keeps it for a minute (and drops it at once when this process saves
# a price: see apps.py).
BOOK_SECONDS = 60.0
_book: tuple[float, PriceBook] | None = None
_book_lock = threading.Lock()


def cached_price_book() -> PriceBook:
    global _book
    with _book_lock:
        now = time.monotonic()
        if _book is None or now - _book[0] > BOOK_SECONDS or _book[1].on_date != timezone.localdate():
            _book = (now, price_book())
        return _book[1]


def price_book_is_cached() -> bool:
    with _book_lock:
        return (_book is not None and time.monotonic() - _book[0] <= BOOK_SECONDS
                and _book[1].on_date == timezone.localdate())


def price_book_forget(**_) -> None:
    global _book
    with _book_lock:
        _book = None


def tariff_for(deployment, kind: str = "tokens", **match) -> Tariff:
    """The price row for the deployment's model and SKU today."""
    model = priced_model_name(deployment)
    deployment_type = priced_deployment_type(deployment.sku_name) or "GlobalStandard"
    book = cached_price_book()
    quote = book.quote(model, deployment_type, kind, **match)
    if quote.row is None and model != deployment.model_name:
        # Dated versions tell prices apart (gpt-4o-2024-05-13 costs twice 2024-08-06); versions such as "1" or
        # "001" (embeddings, whisper, tts, dall-e-3) do not, and the model's own name finds its price.
        quote = book.quote(deployment.model_name, deployment_type, kind, **match)
    return Tariff(model, deployment_type, quote.row)


def record_fields_for(deployment, user, kind: str, source: str = "playground") -> dict[str, Any]:
    """The fields every record of a call to this deployment shares."""
    return {
        "user_id": getattr(user, "pk", None), "resource_id": deployment.resource_id, "deployment_id": deployment.pk,
        "resource_name": deployment.resource.name, "deployment_name": deployment.name,
        "model": priced_model_name(deployment), "kind": kind, "source": source,
    }


def usage_record(**fields) -> UsageRecord:
    """Write one record now (sync callers that have already answered, and the writer thread)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"usage records have no field(s) {sorted(unknown)}")
    if fields.get("total_tokens") is None and fields.get("prompt_tokens") is not None:
        fields["total_tokens"] = (fields.get("prompt_tokens") or 0) + (fields.get("completion_tokens") or 0)
    for name in ("upstream_request_id", "error_code", "finish_reason"):
        fields[name] = (fields.get(name) or "")[:UsageRecord._meta.get_field(name).max_length]
    return UsageRecord.objects.create(**fields)


def _write(fields: dict[str, Any]) -> None:
    close_old_connections()
    try:
        usage_record(**fields)
    except Exception:  # a lost record must never take the writer down; the log says which call it was
        log.exception("could not write the usage record of a %s call to %s", fields.get("kind"),
                      fields.get("deployment_name"))
    finally:
        close_old_connections()


def usage_record_later(fields: dict[str, Any]) -> Future:
    """Queue the write on the writer thread and return at once."""
    future = _writer.submit(_write, dict(fields))
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(lambda done: _discard(done))
    return future


def _discard(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def pending_writes_flush(timeout: float = 10.0) -> None:
    with _pending_lock:
        waiting = list(_pending)
    for future in waiting:
        future.result(timeout=timeout)


def writer_connection_close() -> None:
    """Close the writer thread's database connection (kept open between writes): a test run dropping its database
    waits for no one."""
    _writer.submit(connections.close_all).result(timeout=10)
