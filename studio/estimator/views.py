"""The estimator's page, one view per mode; each answers htmx with the fragment its target names."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from shared_rules.errors import EstimatorError
from studio.accounts.access import viewer_required
from studio.estimator import dataset_estimates, image_estimates, services, validations
from studio.estimator.forms import (
    MAX_MESSAGES,
    ChatForm,
    CostForm,
    DatasetForm,
    ImageForm,
    MessageFormSet,
    TextForm,
)
from studio.estimator.models import BackgroundValidation

MODES = (("text", "Text"), ("chat", "Chat"), ("image", "Image"), ("cost", "Cost"), ("dataset", "Dataset"))
STARTER_CHAT = [{"role": "system", "text": "You are a helpful assistant."}, {"role": "user", "text": ""}]


# The estimator computes and changes nothing stored (a background check keeps only its own report), so every role
# may use it, Viewers included; only the price table's edits need an Admin (price_views.py).


def _render(request, mode: str, context: dict):
    """The whole page; to htmx, the mode's panel (tab switch) or its result (form update), by hx-target."""
    target = request.htmx.target if request.htmx else None
    if target == f"{mode}-result":
        template = f"estimator/_{mode}_result.html"
    elif target == "estimator-mode":
        template = f"estimator/_mode_{mode}.html"
    else:
        template = "estimator/estimator.html"
    response = render(request, template, {"mode": mode, "modes": MODES, **context})
    patch_vary_headers(response, ("HX-Target",))  # one URL, three answers: caches must keep them apart
    return response


@viewer_required
@require_http_methods(["GET", "POST"])
def text(request):
    form = TextForm(request.POST or None)
    estimate = shown = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        estimate = services.estimate_text(data["text"], data["model"], deployment_type=data["deployment_type"])
        shown = services.tokens_to_show(data["text"], estimate)
    return _render(request, "text", {"form": form, "estimate": estimate, "shown": shown})


def _message_rows(formset, *, add_row: bool) -> list:
    forms = list(formset.forms)
    if add_row and len(forms) < MAX_MESSAGES:
        forms.append(_blank_message_form(formset, len(forms)))
    return forms


def _blank_message_form(formset, index: int):
    form = formset.form(prefix=formset.add_prefix(index), auto_id=formset.auto_id, initial={"role": "user"})
    formset.add_fields(form, index)
    return form


@viewer_required
@require_http_methods(["GET", "POST"])
def chat(request):
    estimate = None
    if request.method == "POST":
        form = ChatForm(request.POST)
        formset = MessageFormSet(request.POST, request.FILES, prefix="messages")
        if form.is_valid() and formset.is_valid():
            kept = [row.message() for row in formset.forms if not row.cleaned_data.get("DELETE")]
            data = form.cleaned_data
            try:
                estimate = services.estimate_chat(kept, data["model"], deployment_type=data["deployment_type"])
            except EstimatorError as e:  # a rule of the model's own: an image too big for it, a detail it lacks
                form.add_error(None, str(e)[:1].upper() + str(e)[1:] + ".")
    else:
        form = ChatForm()
        formset = MessageFormSet(prefix="messages", initial=STARTER_CHAT)
    rows = _message_rows(formset, add_row="add_message" in request.POST)
    context = {"form": form, "messages_formset": formset, "rows": rows, "estimate": estimate}
    return _render(request, "chat", context)


@viewer_required
@require_GET
def chat_message(request):
    """One more message row for htmx; the page without JavaScript adds rows with its "Add message" submit."""
    try:
        index = min(max(int(request.GET.get("messages-TOTAL_FORMS", 0)), 0), MAX_MESSAGES - 1)
    except ValueError:
        index = 0
    form = _blank_message_form(MessageFormSet(prefix="messages"), index)
    response = render(request, "estimator/_message_row.html", {"row": form, "total_forms": index + 1})
    response["HX-Trigger-After-Settle"] = "message-added"  # the chat form recounts with the new row
    return response


@viewer_required
@require_http_methods(["GET", "POST"])
def image(request):
    form = ImageForm(request.POST or None, request.FILES or None)
    estimate = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        sources, problems = image_estimates.size_uploads(data["images"])
        sources += [image_estimates.ImageSource(f"{w} x {h}", w, h) for w, h in data["sizes"]]
        estimate = image_estimates.estimate_images(sources, data["model"], detail=data["detail"],
                                                   deployment_type=data["deployment_type"], problems=problems)
    return _render(request, "image", {"form": form, "estimate": estimate})


@viewer_required
@require_GET
def cost(request):
    # A GET form: a projection is a shareable link; the other modes link here with a model and their token count.
    form = CostForm({**CostForm.defaults(), **request.GET.dict()})
    projection = None
    if form.is_valid():
        projection = services.project_cost(**form.cleaned_data)
    return _render(request, "cost", {"form": form, "projection": projection})


@viewer_required
@require_http_methods(["GET", "POST"])
def dataset(request):
    form = DatasetForm(request.POST or None, request.FILES or None)
    estimate = validation = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["training_file"].size > settings.STUDIO_INLINE_DATASET_BYTES:
            # A big file takes a worker tens of seconds: the page shows its progress instead of waiting.
            validation = validations.start_dataset_validation(
                data["training_file"], request.user, model=data["model"], epochs=data["epochs"],
                deployment_type=data["deployment_type"],
            )
            return _render(request, "dataset", {"form": form, "validation": validation})
        try:
            estimate = dataset_estimates.estimate_dataset(
                data["training_file"], data["model"], epochs=data["epochs"],
                deployment_type=data["deployment_type"], max_bytes=settings.STUDIO_MAX_DATASET_BYTES,
            )
        except EstimatorError as e:
            form.add_error("training_file", str(e))
    return _render(request, "dataset", {"form": form, "estimate": estimate})


@viewer_required
@require_GET
def dataset_validation(request, validation_id):
    """A background check: its progress while it runs (htmx polls this), its report once done (and polling stops)."""
    validation = get_object_or_404(BackgroundValidation, pk=validation_id, owner=request.user)
    estimate = None
    if validation.status == BackgroundValidation.Status.DONE:
        estimate = validations.dataset_estimate_of(validation)
    form = DatasetForm(initial={**validation.options, "epochs": validation.options["epochs"] or "auto"})
    response = _render(request, "dataset", {"form": form, "validation": validation, "estimate": estimate})
    if validation.finished and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code  # 286: htmx swaps this in and stops polling
        response.reason_phrase = "Stop Polling"
    return response
