"""Fine-tuning's pages: datasets, the jobs list, the submission form, a job's live page, approvals, cancel, deploy.

Viewers see everything; Developers upload, submit and cancel their own jobs; Admins approve, decline, cancel any job,
deploy and set the approval threshold.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models.deletion import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from finetune import datasets, selectors, services
from finetune.forms import SKU_PRICE_TYPE, DatasetUploadForm, DecisionForm, DeployForm, JobForm, ThresholdForm
from finetune.models import Dataset, FineTuningSettings, Job, Notification
from finetune.statuses import FILTER_WORDS
from shared_rules import pricing
from shared_rules.errors import EstimatorError
from studio.accounts import roles
from studio.accounts.access import admin_required, developer_required, viewer_required
from studio.estimator.dataset_estimates import HOURS_PER_MONTH
from studio.estimator.selectors import price_book
from studio.resources import operations
from studio.resources.models import Operation, Resource
from studio.upstream.errors import UpstreamError


def _stop_polling(response: HttpResponse) -> HttpResponse:
    response.status_code = HttpResponseStopPolling.status_code  # 286: htmx swaps this in and stops polling
    response.reason_phrase = "Stop Polling"
    return response


# --- jobs list ---------------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def index(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("status", "submitter", "base_model", "resource")}
    jobs = list(selectors.jobs_filtered(**filters)[:200])
    # While a listed job can still change by itself (sent, training, being sent), the table refreshes itself.
    moving = {Job.State.READY, Job.State.SUBMITTING, Job.State.SUBMITTED}
    context = {
        "jobs": jobs, "filters": filters, "status_words": FILTER_WORDS,
        "refresh_url": request.get_full_path() if any(job.state in moving for job in jobs) else "",
        "submitters": sorted({u for u in Job.objects.values_list("submitted_by__username", flat=True) if u}),
        "base_models": sorted(set(Job.objects.values_list("base_model", flat=True))),
        "resources": Resource.objects.all(), "threshold": FineTuningSettings.current().approval_threshold,
        "awaiting": Job.objects.filter(state=Job.State.AWAITING_APPROVAL).count(),
    }
    response = render(request, "finetune/_jobs_table.html" if request.htmx else "finetune/index.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- datasets ----------------------------------------------------------------------------------------------------
@viewer_required
@require_GET
def dataset_list(request):
    rows = Dataset.objects.select_related("uploaded_by")
    return render(request, "finetune/datasets.html", {"datasets": rows, "form": DatasetUploadForm()})


@developer_required
@require_http_methods(["GET", "POST"])
def dataset_upload(request):
    form = DatasetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            dataset, created = datasets.dataset_upload(data["file"], request.user, model=data["model"],
                                                       method=data["method"])
        except EstimatorError as error:
            form.add_error("file", str(error))
        else:
            if not created:
                messages.info(request, f"This file was uploaded before, as {dataset.name}: it is the same dataset.")
            return redirect("finetune:dataset", pk=dataset.pk)
    rows = Dataset.objects.select_related("uploaded_by")
    status = 400 if form.errors else 200
    return render(request, "finetune/datasets.html", {"datasets": rows, "form": form}, status=status)


def _dataset_context(dataset: Dataset) -> dict:
    estimate = None
    if dataset.checked:
        estimate = datasets.dataset_estimate(dataset, model=dataset.checked_for, epochs=None,
                                             training_type="Standard")
    return {"dataset": dataset, "validation": dataset.validation, "estimate": estimate,
            "in_use": datasets.dataset_in_use(dataset)}


@viewer_required
@require_GET
def dataset_detail(request, pk: int):
    dataset = get_object_or_404(Dataset.objects.select_related("validation", "uploaded_by"), pk=pk)
    context = _dataset_context(dataset)
    if request.htmx:  # the progress card polls here until the check ends
        response = render(request, "finetune/_dataset_report.html", context)
        return _stop_polling(response) if dataset.validation is None or dataset.validation.finished else response
    return render(request, "finetune/dataset.html", context)


@developer_required
@require_POST
def dataset_delete(request, pk: int):
    dataset = get_object_or_404(Dataset, pk=pk)
    try:
        datasets.dataset_delete(dataset)
    except (datasets.DatasetInUse, ProtectedError) as error:
        messages.error(request, str(error) if isinstance(error, datasets.DatasetInUse)
                       else f"{dataset.name} is used by a fine-tuning job.")
        return redirect("finetune:dataset", pk=pk)
    messages.info(request, f"{dataset.name} is deleted.")
    return redirect("finetune:datasets")


# --- submission ----------------------------------------------------------------------------------------------------
def _form_estimate(form: JobForm):
    """The cost of what the form holds so far, for the chosen training type (None until enough is chosen)."""
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    training, choice = data.get("training_dataset"), form.choice
    if not (training and choice):
        return None
    try:
        return services.job_estimate(training, choice.entry.name, data.get("training_type") or "Standard",
                                     data.get("hyperparameters", {}).get("n_epochs"))
    except EstimatorError:
        return None


@developer_required
@require_http_methods(["GET", "POST"])
def job_create(request):
    initial = {"resource": request.GET.get("resource"), "training_dataset": request.GET.get("dataset")}
    form = JobForm(request.POST or None, user=request.user, initial={k: v for k, v in initial.items() if v})
    submitting = request.method == "POST" and not request.htmx
    if form.is_bound:
        form.is_valid()
    if submitting and form.is_valid():
        data = form.cleaned_data
        job = services.job_request(
            resource=data["resource"], choice=form.choice, method=data["method"],
            training_type=data["training_type"], training=data["training_dataset"],
            validation=data["validation_dataset"], hyperparameters=data["hyperparameters"], beta=data["beta"],
            seed=data["seed"], suffix=data["suffix"], notes=data["notes"], user=request.user)
        if job.state == Job.State.AWAITING_APPROVAL:
            messages.info(request, "The job waits for an Admin's approval: its cost is over the team's threshold.")
        else:
            messages.info(request, "The job is on its way to the service.")
        return redirect("finetune:job", pk=job.pk)
    threshold = FineTuningSettings.current().approval_threshold
    estimate = _form_estimate(form)
    if form.is_bound and not submitting:
        form.errors.clear()  # a redraw while choosing: fields not filled yet are not mistakes yet
    context = {"form": form, "estimate": estimate, "threshold": threshold, "show_errors": submitting}
    # htmx redraws the form when the resource or model changes, and the cost box when a later choice does.
    template = "finetune/_job_form.html" if request.htmx else "finetune/job_form.html"
    response = render(request, template, context, status=400 if submitting else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- a job ---------------------------------------------------------------------------------------------------------
def _job(pk: int) -> Job:
    return get_object_or_404(Job.objects.select_related("resource", "submitted_by", "training_dataset__validation",
                                                        "validation_dataset", "decided_by"), pk=pk)


def _live_context(job: Job) -> dict:
    messages_only = job.events.exclude(kind="metrics")
    return {"job": job, "progress": selectors.job_progress(job), "series": selectors.chart_series(job),
            "events": messages_only[:50], "metric_events": job.events.filter(kind="metrics").count(),
            "checkpoints": job.checkpoints.all(),
            "timeline": selectors.timeline(job), "deployments": selectors.deployments_of(job),
            "base_deployment": selectors.base_deployment(job)}


def _live(job: Job) -> bool:
    return job.is_open


@viewer_required
@require_GET
def job_detail(request, pk: int):
    job = _job(pk)
    estimate = None
    if job.state == Job.State.AWAITING_APPROVAL and job.training_dataset.checked:
        try:
            estimate = datasets.dataset_estimate(job.training_dataset, model=job.base_model,
                                                 epochs=job.hyperparameters.get("n_epochs"),
                                                 training_type=job.training_type)
        except EstimatorError:
            estimate = None  # the page says the cost is unknown
    context = {**_live_context(job), "estimate": estimate, "live": _live(job),
               "can_cancel": services.can_cancel(job, request.user),
               "is_admin": roles.role_of(request.user) == roles.ADMIN, "decision_form": DecisionForm()}
    return render(request, "finetune/job.html", context)


@viewer_required
@require_GET
def job_live(request, pk: int):
    """The live part of the job page; htmx polls it every few seconds and stops (286) when the job has ended."""
    job = _job(pk)
    context = {**_live_context(job), "live": _live(job), "oob": True,
               "can_cancel": services.can_cancel(job, request.user)}
    response = render(request, "finetune/_job_live.html", context)
    return response if _live(job) else _stop_polling(response)


def _decide(request, pk: int, decision: str):
    job = _job(pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if decision == "approve":
            services.job_approve(job, request.user, note)
            messages.info(request, "Approved: the job is on its way to the service.")
        else:
            services.job_decline(job, request.user, note)
            messages.info(request, "Declined; the submitter is told.")
    except services.NotAllowed as error:
        messages.error(request, str(error))
    return redirect("finetune:job", pk=pk)


@admin_required
@require_POST
def job_approve(request, pk: int):
    return _decide(request, pk, "approve")


@admin_required
@require_POST
def job_decline(request, pk: int):
    return _decide(request, pk, "decline")


@developer_required
@require_http_methods(["GET", "POST"])
def job_cancel(request, pk: int):
    job = _job(pk)
    if not services.can_cancel(job, request.user):
        messages.error(request, "You cannot cancel this job: Developers cancel their own open jobs, Admins any.")
        return redirect("finetune:job", pk=pk)
    if request.method == "POST":
        try:
            messages.info(request, services.job_cancel(job, request.user))
        except services.NotAllowed as error:
            messages.error(request, str(error))
        except UpstreamError as error:
            messages.error(request, f"The service did not cancel the job: {error.message}")
        return redirect("finetune:job", pk=pk)
    return render(request, "finetune/job_cancel.html", {"job": job})


def _hosting_per_hour(job: Job, sku: str):
    row = price_book().quote(job.base_model, SKU_PRICE_TYPE.get(sku, "Standard"), "hosting_hour").row
    return pricing.hosting_cost(1, row) if row else None


def _hosting_per_month(job: Job, sku: str):
    row = price_book().quote(job.base_model, SKU_PRICE_TYPE.get(sku, "Standard"), "hosting_hour").row
    return pricing.hosting_cost(HOURS_PER_MONTH, row) if row else None


@admin_required
@require_http_methods(["GET", "POST"])
def job_deploy(request, pk: int):
    job = _job(pk)
    if job.upstream_status != "succeeded" or not job.fine_tuned_model:
        messages.error(request, "Only a succeeded job's model can be deployed.")
        return redirect("finetune:job", pk=pk)
    suggested = f"{job.suffix or 'ft'}-{job.pk}"
    form = DeployForm(job, request.POST or None, initial={"name": suggested, "target": job.fine_tuned_model})
    sku = (form.data.get("sku") if form.is_bound else None) or "Standard"
    if request.method == "POST" and "confirm" in request.POST and form.is_valid():
        data = form.cleaned_data
        body = operations.deployment_body(model=data["target"], version="1", sku=data["sku"],
                                          capacity=data["capacity"])
        operation = operations.operation_request(job.resource, kind=Operation.Kind.DEPLOYMENT_CREATE,
                                                 target=data["name"], body=body, user=request.user)
        messages.info(request, f"Deploying {data['target']} as {data['name']}; it appears on this page when ARM "
                               "has created it.")
        return redirect(f"{reverse('finetune:job', kwargs={'pk': job.pk})}?operation={operation.pk}#deploy")
    return render(request, "finetune/job_deploy.html", {
        "job": job, "form": form, "sku": sku, "hosting": _hosting_per_hour(job, sku),
        "hosting_month": _hosting_per_month(job, sku)})


# --- settings and notifications ------------------------------------------------------------------------------------
@admin_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    current = FineTuningSettings.current()
    form = ThresholdForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.set_threshold(form.cleaned_data["approval_threshold"], request.user)
        messages.info(request, "The approval threshold is saved.")
        return redirect("finetune:index")
    return render(request, "finetune/settings.html", {"form": form}, status=400 if form.errors else 200)


@viewer_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    mine = Notification.objects.filter(user=request.user).select_related("job")
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("finetune:notifications")
    return render(request, "finetune/notifications.html", {"notifications": mine[:100]})
