"""The pages of the completions, embeddings, images and audio playgrounds, and the calls their scripts make.

Every role may look (a Viewer opens pages and sessions shared with the team); calling a model needs the Developer
role. The views are thin: the services in this package check, call upstream and record the usage.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground.calls import CallRefused, parse_request
from playground.codegen import code_samples
from playground.kinds import audio, completions, embeddings, images, stored
from playground.kinds.common import (
    answers_json,
    deployment_for,
    deployment_option,
    deployments_for,
    own_session,
    page_data,
    session_of_request,
    upstream_answer,
)
from playground.models import Kind, StoredAudio, StoredImage
from playground.parameters import model_info
from studio.accounts.access import developer_required, viewer_required
from studio.upstream.errors import ContentFiltered

COMPLETION_CAPABILITIES = ("completions", "chat")  # a chat model is sent, and Azure's own refusal is shown


def _page(request, kind: str, template: str, deployments: list, **extra):
    session = session_of_request(request)
    if session is not None and session.kind != kind:
        raise Http404(f"That session is a {session.get_kind_display().lower()} session.")
    data = page_data(request, kind, session, deployments=deployments, **extra)
    return render(request, template, {"page_data": data, "session": session, "read_only": data["read_only"]})


# --- Completions ---------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def completions_page(request):
    options = []
    for deployment in deployments_for(request.user, COMPLETION_CAPABILITIES):
        info = model_info(deployment.model_name)
        max_output = info.max_output if info and info.max_output else 4096
        options.append(deployment_option(deployment, chat=deployment.capability == "chat", max_output=max_output,
                                         suffix=deployment.model_name.startswith("gpt-35-turbo-instruct")))
    return _page(request, Kind.COMPLETIONS, "playground/completions.html", options)


@developer_required
@require_POST
@answers_json
def completions_run(request):
    """POST {"deployment", "body"}: a completion in one answer (best_of, or logprobs for every token at once)."""
    data = parse_request(request.body)
    deployment = deployment_for(request.user, data.get("deployment"), COMPLETION_CAPABILITIES, "completions")
    return completions.completions_run(request.user, deployment, data.get("body"))


@viewer_required
@require_POST
@answers_json
def completion_tokens(request):
    """POST {"choices": [{"index", "logprobs"}]} -> the per-token view (HTML); nothing is sent upstream."""
    shown = completions.choices_view(parse_request(request.body).get("choices"))
    return render(request, "playground/_completion_tokens.html", {"choices": shown})


# --- Embeddings ----------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def embeddings_page(request):
    options = [deployment_option(d, dimensions=embeddings.native_dimensions(d.model_name),
                                 dimensions_settable=embeddings.dimensions_settable(d.model_name))
               for d in deployments_for(request.user, ("embeddings",))]
    return _page(request, Kind.EMBEDDINGS, "playground/embeddings.html", options,
                 max_inputs=embeddings.MAX_INPUTS)


@developer_required
@require_POST
@answers_json
def embeddings_run(request):
    data = parse_request(request.body)
    deployment = deployment_for(request.user, data.get("deployment"), ("embeddings",), "embeddings")
    return embeddings.embeddings_run(request.user, deployment, inputs=data.get("inputs"),
                                     dimensions=data.get("dimensions"), query=data.get("query") or "")


# --- Images --------------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def images_page(request):
    options = [deployment_option(d, options=images.options_for(d.model_name), unit_costs=images.unit_costs(d))
               for d in deployments_for(request.user, ("images",))]
    return _page(request, Kind.IMAGES, "playground/images.html", options)


@developer_required
@require_POST
@answers_json
def images_generate(request):
    data = parse_request(request.body)
    deployment = deployment_for(request.user, data.get("deployment"), ("images",), "image generation")
    try:
        stored, details = images.images_generate(request.user, deployment, data,
                                                 own_session(request.user, data.get("session")))
    except ContentFiltered as error:
        return upstream_answer(error, explained=images.refusal_explained(error))
    return {"images": [images.image_json(image) for image in stored], **details}


@viewer_required
@require_GET
def image_file(request, pk: int):
    """A stored picture: its owner, or anyone signed in when its session is shared (403 otherwise)."""
    return stored.file_response(StoredImage, request.user, pk, filename="studio-image-{row.pk}.{row.extension}",
                                download=request.GET.get("download") == "1")


# --- Audio ---------------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def audio_page(request):
    options = [deployment_option(d, **audio.price_hints(d)) for d in deployments_for(request.user, ("audio",))]
    return _page(request, Kind.AUDIO, "playground/audio.html", options, upload_limit=audio.UPLOAD_LIMIT,
                 voices=audio.VOICES, speech_formats=audio.SPEECH_FORMATS, response_formats=audio.RESPONSE_FORMATS,
                 languages=audio.LANGUAGES, speech_limit=audio.SPEECH_LIMIT,
                 local_english_only=audio.LOCAL_ENGLISH_ONLY)


@developer_required
@require_POST
@answers_json
def audio_transcribe(request):
    """multipart: file, deployment, task (transcribe|translate), response_format, language, prompt, temperature,
    granularities, duration (seconds, as the browser measured it)."""
    upload = request.FILES.get("file")
    if upload is None:
        raise CallRefused("choose an audio file or record one", param="file")
    audio.upload_checked(upload.name, upload.size)  # before reading it, and before anything goes upstream
    deployment = deployment_for(request.user, request.POST.get("deployment"), ("audio",), "transcription")
    if audio.is_speech_model(deployment.model_name):
        raise CallRefused(f"{deployment.name} is a text-to-speech deployment; pick a Whisper one",
                          param="deployment")
    fields = {key: request.POST.get(key) for key in
              ("task", "response_format", "language", "prompt", "temperature", "duration")}
    fields["granularities"] = request.POST.getlist("granularities")
    data = upload.read()
    result = audio.transcribe(request.user, deployment, data=data, filename=upload.name, fields=fields)
    session = own_session(request.user, _int_or_none(request.POST.get("session")))
    if session is None:  # nothing to reopen it from: not kept
        return result
    kept = audio.audio_keep(request.user, session, StoredAudio.Role.SOURCE, upload.name, data)
    return {**result, "source_audio": audio.audio_json(kept)}


@developer_required
@require_POST
@answers_json
def audio_speech(request):
    """JSON {deployment, input, voice, response_format, speed} -> the audio, its figures in X-Studio-* headers."""
    data = parse_request(request.body)
    deployment = deployment_for(request.user, data.get("deployment"), ("audio",), "speech")
    if not audio.is_speech_model(deployment.model_name):
        raise CallRefused(f"{deployment.name} transcribes; pick a text-to-speech deployment", param="deployment")
    answer, figures = audio.speak(request.user, deployment, data)
    session = own_session(request.user, data.get("session"))
    kept = session and audio.audio_keep(request.user, session, StoredAudio.Role.SPEECH,
                                        f"speech.{figures['format']}", answer.data)
    response = HttpResponse(answer.data, content_type=audio.SPEECH_TYPES.get(figures["format"],
                                                                             answer.content_type))
    response["Content-Disposition"] = f'inline; filename="speech.{figures["format"]}"'
    response["X-Studio-Characters"] = str(figures["characters"])
    response["X-Studio-Cost"] = figures["cost"] or ""
    response["X-Studio-Currency"] = figures["currency"]
    response["X-Studio-Latency-Ms"] = str(figures["latency_ms"])
    response["X-Studio-Request-Id"] = figures["request_id"]
    if kept:
        response["X-Studio-Audio-Url"] = kept.get_absolute_url()
    return response


@viewer_required
@require_GET
def audio_file(request, pk: int):
    """Kept audio (a transcribed file, generated speech): its owner, or anyone signed in when its session is shared."""
    return stored.file_response(StoredAudio, request.user, pk, filename="{row.name}",
                                download=request.GET.get("download") == "1")


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@viewer_required
@require_POST
@answers_json
def audio_code(request):
    """View code for a transcription or translation: the form fields, and the file as a local file name."""
    data = parse_request(request.body)
    deployment = deployment_for(request.user, data.get("deployment"), ("audio",), "audio")
    operation = data.get("operation")
    if operation not in ("audio/transcriptions", "audio/translations", "audio/speech"):
        raise CallRefused("operation must be audio/transcriptions, audio/translations or audio/speech",
                          param="operation")
    body = data.get("body")
    if not isinstance(body, dict):
        raise CallRefused("body must be a JSON object", param="body")
    filename = str(data.get("filename") or "audio.wav")[:200]
    files = {} if operation == "audio/speech" else {"file": filename}
    return code_samples(deployment, operation, body, files=files).as_json()
