"""Fine-tuning's forms: a dataset upload, a job submission (bound to a resource's catalog), decisions, deploy."""

from __future__ import annotations

import re
from functools import cached_property

from django import forms
from django.conf import settings

from finetune import services
from finetune.models import Dataset, FineTuningSettings, Job, JobCheckpoint
from studio.estimator.selectors import fine_tunable_models
from studio.resources.access import usable_resources
from studio.resources.forms import DEPLOYMENT_NAME
from studio.resources.models import Deployment, Resource

SUFFIX = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # Azure: up to 40 of [a-zA-Z0-9_-]
DEPLOY_SKUS = (("Standard", "Standard"), ("GlobalStandard", "Global Standard"),
               ("DeveloperTier", "Developer (no hosting fee, deleted after 24 h)"))
SKU_PRICE_TYPE = {"Standard": "Standard", "GlobalStandard": "GlobalStandard", "DeveloperTier": "Developer"}


class DatasetUploadForm(forms.Form):
    file = forms.FileField(label="JSONL file")
    model = forms.ChoiceField(label="Check for", initial="gpt-4o-mini",
                              help_text="The rules and tokenizer of this model check the file.")
    method = forms.ChoiceField(label="Training method", choices=(
        ("supervised", "Supervised: chat or prompt/completion examples"),
        ("dpo", "DPO: preference pairs (input, preferred and non-preferred output)")), initial="supervised",
        required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = fine_tunable_models()
        self.fields["file"].help_text = f"Up to {settings.STUDIO_MAX_DATASET_BYTES // (1024 * 1024):,} MB."
        self.fields["file"].widget.attrs.update({"accept": ".jsonl,application/jsonl,application/json",
                                                 "data-max-bytes": settings.STUDIO_MAX_DATASET_BYTES})

    def clean_method(self):
        return self.cleaned_data["method"] or "supervised"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.STUDIO_MAX_DATASET_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


def _optional_int(value: str, name: str, low: int, high: int) -> int | None:
    value = (value or "").strip().lower()
    if value in ("", "auto"):
        return None
    try:
        number = int(value)
    except ValueError:
        raise forms.ValidationError(f"{name} is a whole number or auto.") from None
    if not low <= number <= high:
        raise forms.ValidationError(f"{name} must be between {low} and {high}.")
    return number


class JobForm(forms.Form):
    resource = forms.ModelChoiceField(queryset=Resource.objects.all(), empty_label="Choose a resource")
    base_model = forms.ChoiceField(label="Base model")
    method = forms.ChoiceField(choices=Job.Method.choices, initial=Job.Method.SUPERVISED)
    training_type = forms.ChoiceField(choices=Job.TrainingType.choices, initial=Job.TrainingType.STANDARD)
    training_dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), empty_label="Choose a dataset")
    validation_dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), required=False,
                                                empty_label="None")
    n_epochs = forms.CharField(label="Epochs", required=False, initial="auto", help_text="1–50, or auto.")
    batch_size = forms.CharField(required=False, initial="auto", help_text="1–256, or auto.")
    learning_rate_multiplier = forms.CharField(required=False, initial="auto", help_text="Above 0, up to 10, or auto.")
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    beta = forms.FloatField(required=False, min_value=0.0, max_value=2.0, help_text="DPO only.")
    suffix = forms.CharField(required=False, max_length=40, help_text="Up to 40 letters, digits, - and _.")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    acknowledge_warnings = forms.BooleanField(required=False, label="I have read the dataset's warnings")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the resources this person may use (Resource.access); None (a script, a test) leaves all of them.
        self.resources = usable_resources(user) if user is not None else Resource.objects.all()
        self.fields["resource"].queryset = self.resources
        usable = Dataset.objects.filter(check_state=Dataset.CheckState.USABLE)
        self.fields["training_dataset"].queryset = usable
        self.fields["validation_dataset"].queryset = usable
        self.resource = self._chosen_resource()
        self.choices = {c.key: c for c in services.base_models(self.resource)} if self.resource else {}
        self.fields["base_model"].choices = [("", "Choose a base model")] + [
            (key, choice.label) for key, choice in self.choices.items()] if self.choices else [
            ("", "Choose a resource with fine-tunable models first")]
        self.choice = self.choices.get(self.data.get("base_model") or self.initial.get("base_model") or "")
        if self.choice:
            self.fields["method"].choices = [(m, Job.Method(m).label) for m in self.choice.methods]
            self.fields["training_type"].choices = [(t, Job.TrainingType(t).label)
                                                    for t in self.choice.training_types]

    @cached_property
    def warned(self) -> list[Dataset]:
        """The chosen datasets that carry warnings (the form asks for them to be acknowledged)."""
        chosen = []
        for name in ("training_dataset", "validation_dataset"):
            pk = self.data.get(name) or self.initial.get(name)
            if pk and str(pk).isdigit():
                dataset = Dataset.objects.filter(pk=int(pk), check_state=Dataset.CheckState.USABLE).first()
                if dataset and dataset.warnings:
                    chosen.append(dataset)
        return chosen

    def _chosen_resource(self) -> Resource | None:
        pk = self.data.get("resource") or self.initial.get("resource")
        try:
            return self.resources.filter(pk=int(pk)).first() if pk else None
        except (TypeError, ValueError):
            return None

    def clean_n_epochs(self):
        return _optional_int(self.cleaned_data["n_epochs"], "Epochs", 1, 50)

    def clean_batch_size(self):
        return _optional_int(self.cleaned_data["batch_size"], "Batch size", 1, 256)

    def clean_learning_rate_multiplier(self):
        value = (self.cleaned_data["learning_rate_multiplier"] or "").strip().lower()
        if value in ("", "auto"):
            return None
        try:
            number = float(value)
        except ValueError:
            raise forms.ValidationError("The learning rate multiplier is a number or auto.") from None
        if not 0 < number <= 10:
            raise forms.ValidationError("The learning rate multiplier must be above 0 and at most 10.")
        return number

    def clean_suffix(self):
        suffix = self.cleaned_data["suffix"].strip()
        if suffix and not SUFFIX.match(suffix):
            raise forms.ValidationError("A suffix is up to 40 letters, digits, '-' and '_' (no spaces or dots).")
        return suffix

    def clean(self):
        cleaned = super().clean()
        if self.choice is None and cleaned.get("resource"):
            self.add_error("base_model", "Choose one of the resource's fine-tunable models.")
        training, validation = cleaned.get("training_dataset"), cleaned.get("validation_dataset")
        if self.choice and training:
            wanted = "preference" if cleaned.get("method") == Job.Method.DPO else None
            from finetune.datasets import format_for

            expected = wanted or format_for(self.choice.entry.name)
            for field, dataset in (("training_dataset", training), ("validation_dataset", validation)):
                if dataset and dataset.format != expected:
                    self.add_error(field, f"{dataset.name} is in the {dataset.get_format_display()} format; "
                                          f"{self.choice.entry.name} with this method needs "
                                          f"{Dataset.Format(expected).label}.")
        if training and validation and training.pk == validation.pk:
            self.add_error("validation_dataset", "Use a different file for validation than for training.")
        warned = self.warned
        if warned and not cleaned.get("acknowledge_warnings"):
            self.add_error("acknowledge_warnings", "The dataset has warnings: read them, then tick this box.")
        if cleaned.get("method") != Job.Method.DPO:
            cleaned["beta"] = None
        cleaned["hyperparameters"] = {key: cleaned[key] for key in ("n_epochs", "batch_size",
                                                                     "learning_rate_multiplier")
                                      if cleaned.get(key) is not None}
        return cleaned


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = FineTuningSettings
        fields = ["approval_threshold"]


class DeployForm(forms.Form):
    """A fine-tuned model (or one of its checkpoints) as a deployment, through the console's create path."""

    name = forms.CharField(max_length=64, help_text="What callers send as the deployment.")
    target = forms.ChoiceField(label="Model")
    sku = forms.ChoiceField(label="Deployment type", choices=DEPLOY_SKUS)
    capacity = forms.IntegerField(min_value=1, max_value=1000, initial=10, help_text="Thousands of tokens per minute.")

    def __init__(self, job: Job, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        targets = [(job.fine_tuned_model, f"{job.fine_tuned_model} (final)")] if job.fine_tuned_model else []
        targets += [(c.model_name, f"{c.model_name} (step {c.step_number})")
                    for c in JobCheckpoint.objects.filter(job=job).exclude(model_name="")]
        self.fields["target"].choices = targets

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not DEPLOYMENT_NAME.match(name):
            raise forms.ValidationError("Use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or "
                                        "digit.")
        if Deployment.objects.active().filter(resource=self.job.resource, name__iexact=name).exists():
            raise forms.ValidationError(f"{self.job.resource.name} already has a deployment named {name}.")
        return name
