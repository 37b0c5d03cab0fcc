"""The playground's pages and the small JSON endpoints its scripts call (save, presets, code, image cost).

Every role may look (a Viewer sees sessions shared with the team and the code of a request); sending to a model and
saving need the Developer role. The stream itself is `playground.stream`.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from playground import sessions
from playground.calls import CallRefused, check_body, request_payload, row_id
from playground.codegen import SDK_METHOD, code_samples
from playground.kinds.common import deployments_for
from playground.models import Kind, PlaygroundSession
from playground.parameters import chat_parameters
from shared_rules.errors import EstimatorError
from shared_rules.images import image_tokens
from studio.accounts.access import developer_required, viewer_required
from studio.resources.models import Deployment
from studio.usage.records import tariff_for

IMPORT_LIMIT = 20 * 1024 * 1024


def _json_error(message: str, status: int = 400, param: str | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": "invalid_request", "message": message, "param": param}}, status=status)


def _deployment_option(deployment: Deployment) -> dict:
    parameters = chat_parameters(deployment.model_name)
    return {"id": deployment.pk, "name": deployment.name, "resource": deployment.resource.name,
            "model": deployment.model_name, "version": deployment.model_version, "sku": deployment.sku_name,
            "local": deployment.resource.kind == "local_engine", "parameters": parameters.as_json()}


@viewer_required
@require_GET
def index(request):
    recent = sessions.sessions_of(request.user)[:8]
    return render(request, "playground/index.html", {
        "deployments": deployments_for(request.user, tuple(Deployment.Capability.values)), "recent": recent,
    })


@viewer_required
@require_GET
def chat(request):
    """The chat page; ?session= opens a saved session (read-only when it is someone else's shared one),
    ?deployment= picks one, ?compare=a,b[,c] opens compare mode with those deployments."""
    session = None
    if request.GET.get("session"):
        try:
            session = sessions.session_for_reading(request.user, row_id(request.GET["session"]))
        except PlaygroundSession.DoesNotExist as error:
            raise Http404("No such session.") from error
    compare = [part for part in (p.strip() for p in request.GET.get("compare", "").split(","))
               if part.isascii() and part.isdigit() and len(part) < 18][:3]
    deployments = deployments_for(request.user, ("chat",))
    context = {
        "session": session,
        "read_only": session is not None and session.owner_id != request.user.pk,
        "page_data": {
            "deployments": [_deployment_option(d) for d in deployments],
            "session": ({"id": session.pk, "title": session.title, "state": session.state,
                         "owner": session.owner.get_username(), "shared_url": session.shared_url()}
                        if session else None),
            "read_only": session is not None and session.owner_id != request.user.pk,
            "can_send": request.user.has_perm("accounts.use_tools"),
            "preselect": request.GET.get("deployment", ""),
            "compare": [int(pk) for pk in compare],
            "presets": [{"id": p.pk, "name": p.name, "system_message": p.system_message,
                         "parameters": p.parameters, "shared": p.shared, "mine": p.owner_id == request.user.pk,
                         "owner": p.owner.get_username()}
                        for p in sessions.presets_for(request.user)],
        },
    }
    return render(request, "playground/chat.html", context)


@viewer_required
@require_GET
def session_list(request):
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    context = {"sessions": sessions.sessions_of(request.user, q=q, kind=kind)[:200],
               "shared": sessions.shared_sessions(request.user)[:100], "q": q, "kind": kind, "kinds": Kind.choices}
    template = "playground/_session_rows.html" if request.htmx and not request.htmx.boosted else \
        "playground/sessions.html"
    return render(request, template, context)


@developer_required
@require_POST
def session_save(request):
    try:
        data = request_payload(request)
        pk = data.get("id")
        session = sessions.session_save(request.user, pk=row_id(pk),
                                        kind=data.get("kind", Kind.CHAT), title=data.get("title"),
                                        state=data.get("state"))
    except (CallRefused, sessions.SessionInputError) as error:
        return _json_error(str(error))
    except PlaygroundSession.DoesNotExist:
        return _json_error("that session was deleted; save again to keep a new copy", 404)
    return JsonResponse(sessions.session_summary(session))


@developer_required
@require_POST
def session_rename(request, pk: int):
    session = _owned(request, lambda: sessions.session_rename(request.user, pk, request.POST.get("title")))
    if request.htmx:
        return render(request, "playground/_session_row.html", {"session": session})
    return redirect("playground:sessions")


@developer_required
@require_POST
def session_share(request, pk: int):
    shared = request.POST.get("shared") == "1"
    session = _owned(request, lambda: sessions.session_share(request.user, pk, shared))
    if request.htmx:
        return render(request, "playground/_session_row.html", {"session": session})
    messages.success(request, f"“{session.title}” is {'shared with the team' if shared else 'private again'}.")
    return redirect("playground:sessions")


@developer_required
@require_POST
def session_delete(request, pk: int):
    _owned(request, lambda: sessions.session_delete(request.user, pk))
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "The session is deleted.")
    return redirect("playground:sessions")


def _owned(request, change):
    try:
        return change()
    except PlaygroundSession.DoesNotExist as error:
        raise Http404("No such session.") from error


@viewer_required
@require_GET
def session_export(request, pk: int):
    try:
        session = sessions.session_for_reading(request.user, pk)
    except PlaygroundSession.DoesNotExist as error:
        raise Http404("No such session.") from error
    body = json.dumps(sessions.session_export(session), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in session.title)[:60] or "session"
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


@developer_required
@require_POST
def session_import(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a session file (.json) to import.")
        return redirect("playground:sessions")
    if upload.size > IMPORT_LIMIT:
        messages.error(request, f"The file is {upload.size // (1024 * 1024)} MB; sessions import up to "
                                f"{IMPORT_LIMIT // (1024 * 1024)} MB.")
        return redirect("playground:sessions")
    try:
        session = sessions.session_import(request.user, upload.read())
    except sessions.SessionInputError as error:
        messages.error(request, f"Could not import {upload.name}: {error}")
        return redirect("playground:sessions")
    messages.success(request, f"Imported “{session.title}”.")
    return redirect(session.get_absolute_url())


@viewer_required
@require_GET
def shared_session(request, token: str):
    session = PlaygroundSession.objects.filter(share_token=token).exclude(share_token="").first()
    if session is None:
        raise Http404("This link is no longer shared.")
    return redirect(session.get_absolute_url())


@developer_required
@require_POST
def preset_save(request):
    try:
        data = request_payload(request)
        preset = sessions.preset_save(request.user, name=data.get("name"), system_message=data.get("system_message"),
                                      parameters=data.get("parameters", {}), shared=bool(data.get("shared")),
                                      kind=data.get("kind", Kind.CHAT))
    except (CallRefused, sessions.SessionInputError) as error:
        return _json_error(str(error))
    return JsonResponse({"id": preset.pk, "name": preset.name, "system_message": preset.system_message,
                         "parameters": preset.parameters, "shared": preset.shared, "mine": True,
                         "owner": request.user.get_username()})


@developer_required
@require_POST
def preset_delete(request, pk: int):
    try:
        sessions.preset_delete(request.user, pk)
    except sessions.Preset.DoesNotExist as error:
        raise Http404("No such preset.") from error
    return JsonResponse({"deleted": pk})


@viewer_required
@require_POST
def view_code(request):
    """POST {"deployment", "operation", "body"} -> {"python", "curl", "javascript"} (reads nothing secret)."""
    try:
        data = request_payload(request)
        operation = data.get("operation") or "chat/completions"
        if operation not in SDK_METHOD:
            raise CallRefused(f"no code samples for {operation!r}", param="operation")
        body = data.get("body")
        if operation in ("chat/completions", "completions"):
            body = check_body(operation, body)
        elif not isinstance(body, dict):
            raise CallRefused("body must be a JSON object", param="body")
        deployment = Deployment.objects.usable_by(request.user).select_related("resource").get(
            pk=row_id(data.get("deployment")))
    except CallRefused as refused:
        return _json_error(refused.message, param=refused.param)
    except (TypeError, ValueError, Deployment.DoesNotExist):
        return _json_error("choose a deployment", 404, "deployment")
    return JsonResponse(code_samples(deployment, operation, body).as_json())


@viewer_required
@require_POST
def image_cost(request):
    """The estimator's image-token rule for one attached image: POST {"deployment", "width", "height", "detail"}."""
    try:
        data = request_payload(request)
        deployment = Deployment.objects.usable_by(request.user).select_related("resource").get(
            pk=row_id(data.get("deployment")))
        width, height = int(data.get("width")), int(data.get("height"))
        detail = data.get("detail") or "auto"
        counted = image_tokens(width, height, detail, deployment.model_name)
    except CallRefused as refused:
        return _json_error(refused.message)
    except (TypeError, ValueError, Deployment.DoesNotExist):
        return _json_error("send a deployment and the image's width and height")
    except EstimatorError as error:
        return _json_error(str(error))
    tariff = tariff_for(deployment)
    cost: Decimal | None = tariff.tokens(counted.tokens, 0)
    return JsonResponse({"tokens": counted.tokens, "tiles": counted.tiles, "detail": detail,
                         "cost": None if cost is None else str(cost),
                         "currency": tariff.row.currency if tariff.row else "USD"})

