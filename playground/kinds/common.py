"""What every kind's page and call share: deployment pickers, session opening, refusals and usage records."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import Http404, JsonResponse
from django.http.response import HttpResponseBase

from playground import sessions
from playground.calls import CallRefused
from playground.models import PlaygroundSession
from playground.stream import status_of_error
from studio.resources.access import may_use, refusal_message, resource_members
from studio.resources.models import Deployment
from studio.upstream.errors import ContentFiltered, RateLimited, UpstreamError
from studio.usage.records import record_fields_for, usage_record


def refused_answer(refused: CallRefused) -> JsonResponse:
    return JsonResponse(refused.as_json(), status=refused.status)


def upstream_answer(error: UpstreamError, **extra: Any) -> JsonResponse:
    """The upstream's refusal as the pages read it: its own code and message, the filter's verdict, the retry time."""
    body: dict[str, Any] = {"code": error.code or "upstream_error", "message": error.message,
                            "request_id": error.request_id, "upstream_status": error.status, **extra}
    if isinstance(error, RateLimited):
        body["retry_after"] = error.retry_after
    if isinstance(error, ContentFiltered):
        body["content_filter_results"] = error.results
    status = error.status if error.status in (400, 404, 413, 429) else 502
    return JsonResponse({"error": body}, status=status)


def answers_json(view):
    """The kinds' call views: a dict becomes JSON, a refusal or an upstream error its JSON error (never a 500)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            result = view(request, *args, **kwargs)
        except CallRefused as refused:
            return refused_answer(refused)
        except UpstreamError as error:
            return upstream_answer(error)
        return result if isinstance(result, HttpResponseBase) else JsonResponse(result)

    return wrapped


def deployments_for(user, capabilities: tuple[str, ...]) -> list[Deployment]:
    """The deployments of these kinds on the resources the user may use."""
    return list(Deployment.objects.active().usable_by(user).filter(capability__in=capabilities)
                .select_related("resource").order_by("resource__name", "name"))


def deployment_for(user, pk: Any, capabilities: tuple[str, ...], what: str) -> Deployment:
    try:
        if isinstance(pk, bool) or not 0 < int(pk) < 2**63:
            raise ValueError(pk)
        deployment = Deployment.objects.active().select_related("resource").get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, Deployment.DoesNotExist) as error:
        raise CallRefused("choose a deployment (the one picked no longer exists)", param="deployment",
                          status=404) from error
    if not may_use(user, resource_members(deployment.resource)):
        raise CallRefused(refusal_message(deployment.resource), param="deployment", status=403, code="forbidden")
    if deployment.capability not in capabilities:
        raise CallRefused(f"{deployment.name} is a {deployment.get_capability_display().lower()} deployment; "
                          f"{what} needs {' or '.join(capabilities)}", param="deployment")
    return deployment


def deployment_option(deployment: Deployment, **extra: Any) -> dict[str, Any]:
    return {"id": deployment.pk, "name": deployment.name, "resource": deployment.resource.name,
            "model": deployment.model_name, "version": deployment.model_version, "sku": deployment.sku_name,
            "capability": deployment.capability, "local": deployment.resource.kind == "local_engine", **extra}


def session_of_request(request) -> PlaygroundSession | None:
    """?session=<pk>: the user's own session, or one shared with the team (403 otherwise, 404 when gone)."""
    raw = request.GET.get("session")
    if not raw:
        return None
    try:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise ValueError(raw)
        session = sessions.session_for_reading(request.user, int(raw))
    except (ValueError, PlaygroundSession.DoesNotExist) as error:
        raise Http404("No such session.") from error
    return session


def page_data(request, kind: str, session: PlaygroundSession | None, **extra: Any) -> dict[str, Any]:
    read_only = session is not None and session.owner_id != request.user.pk
    return {
        "kind": kind,
        "session": ({"id": session.pk, "title": session.title, "state": session.state,
                     "owner": session.owner.get_username(), "shared_url": session.shared_url()} if session else None),
        "read_only": read_only,
        "can_send": request.user.has_perm("accounts.use_tools") and not read_only,
        "preselect": request.GET.get("deployment", ""),
        **extra,
    }


def own_session(user, pk: Any) -> PlaygroundSession | None:
    """The session a call belongs to, when the caller owns it (a call never writes into someone else's)."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    return PlaygroundSession.objects.filter(pk=pk, owner=user).first()


def record_call(deployment: Deployment, user, kind: str, **fields: Any) -> None:
    """A usage record for a call that has answered (the view answers right after: a sync write is fine here)."""
    usage_record(**record_fields_for(deployment, user, kind), **fields)


def record_failure(deployment: Deployment, user, kind: str, error: UpstreamError, latency_ms: int | None) -> None:
    record_call(deployment, user, kind, status=status_of_error(error), http_status=error.status,
                error_code=error.code or "", upstream_request_id=error.request_id or "", latency_ms=latency_ms)
