"""Forms of the estimator's modes and of the price table; every error says what to fix."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from shared_rules import image_generation
from shared_rules.errors import EstimatorError
from shared_rules.images import DETAILS
from studio.estimator import image_estimates, selectors
from studio.estimator.models import CustomModel, Price

ROLES = ("system", "user", "assistant", "tool")
MAX_MESSAGES = 100
MAX_EPOCHS = 50
MAX_COUNT = 10**12  # bounds for typed counts: far above any real bill, far below what breaks a Decimal
_SIZE = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\d+)\s*$", re.IGNORECASE)
DEPLOYMENT_TYPE_CHOICES = [("", "Default"), *Price.DeploymentType.choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


def _values(choices: list) -> set[str]:
    """Every value of grouped or flat <select> choices."""
    values = set()
    for value, label in choices:
        values.update(v for v, _ in label) if isinstance(label, list | tuple) else values.add(value)
    return values


class EstimateForm(forms.Form):
    """A model picker that lists the known models and the site's deployments, which resolve to their model."""

    model = forms.CharField(initial="gpt-5.4-mini", widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.model_choices()
        typed = (self.data.get(self.add_prefix("model")) or "").strip() if self.is_bound else ""
        if typed and typed not in _values(choices):
            # A name the picker does not list (from a link, say) stays shown as typed, beside its error,
            # instead of the select silently falling back to its first model.
            choices = [("As typed", [(typed, typed)]), *choices]
        self.fields["model"].widget.choices = choices

    def clean_model(self) -> str:
        try:
            selectors.resolve_model(self.cleaned_data["model"])
        except EstimatorError as e:
            raise forms.ValidationError(str(e)) from None
        return self.cleaned_data["model"].strip()


class PricedEstimateForm(EstimateForm):
    deployment_type = forms.ChoiceField(label="Priced as", choices=DEPLOYMENT_TYPE_CHOICES, required=False,
                                        help_text="Default: a deployment's own type, else Global Standard.")


class TextForm(PricedEstimateForm):
    text = forms.CharField(
        required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "Type or paste text to count its tokens"}),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        size, limit = len(text.encode("utf-8")), settings.STUDIO_MAX_ESTIMATE_BYTES
        if size > limit:
            raise forms.ValidationError(f"The text is {filesizeformat(size)}, over the {filesizeformat(limit)} "
                                        "limit; count it in parts.")
        return text


class ChatForm(PricedEstimateForm):
    pass


class MessageForm(forms.Form):
    role = forms.ChoiceField(choices=[(r, r) for r in ROLES], initial="user")
    name = forms.CharField(
        required=False, max_length=64, help_text="Optional; adds 1 token.",
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "A name is letters, digits, _ and - only.")],
    )
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    images = MultipleFileField(required=False, label="Images")
    image_width = forms.IntegerField(required=False, min_value=1, max_value=100_000, label="Width")
    image_height = forms.IntegerField(required=False, min_value=1, max_value=100_000, label="Height")
    image_detail = forms.ChoiceField(choices=[(d, d) for d in DETAILS], initial="auto", label="Detail")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row left blank still costs its overhead, so every row shown is counted; none is skipped as empty.
        self.empty_permitted = False

    def clean_images(self) -> list[image_estimates.ImageSource]:
        sources, problems = image_estimates.size_uploads(self.cleaned_data["images"])
        if problems:
            raise forms.ValidationError([f"{p.label}: {p.message}" for p in problems])
        return sources

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("image_width") is None) != (cleaned.get("image_height") is None):
            raise forms.ValidationError("Give an image size as both width and height, or neither.")
        return cleaned

    def message(self) -> dict:
        """The chat-completions message this row describes; images become image_size parts."""
        data = self.cleaned_data
        sizes = [(s.width, s.height) for s in data["images"]]
        if data.get("image_width"):
            sizes.append((data["image_width"], data["image_height"]))
        message: dict = {"role": data["role"]}
        if data["name"]:
            message["name"] = data["name"]
        if not sizes:
            message["content"] = data["text"]
            return message
        parts = [{"type": "text", "text": data["text"]}] if data["text"] else []
        detail = data["image_detail"]
        parts += [{"type": "image_size", "width": w, "height": h, "detail": detail} for w, h in sizes]
        message["content"] = parts
        return message


MessageFormSet = forms.formset_factory(
    MessageForm, extra=0, can_delete=True, max_num=MAX_MESSAGES, validate_max=True, absolute_max=MAX_MESSAGES
)


class ImageForm(PricedEstimateForm):
    detail = forms.ChoiceField(choices=[(d, d) for d in DETAILS], initial="auto",
                               help_text="auto is priced as high: the service decides, so assume the dearer one.")
    images = MultipleFileField(required=False, label="Upload images", help_text="PNG, JPEG, GIF or WEBP.")
    sizes = forms.CharField(required=False, label="Or type sizes",
                            widget=forms.TextInput(attrs={"placeholder": "1024x1024, 2048x4096"}),
                            help_text="Width x height in pixels, separated by commas.")

    def clean_sizes(self) -> list[tuple[int, int]]:
        sizes = []
        for item in filter(str.strip, re.split(r"[,;\n]", self.cleaned_data["sizes"])):
            match = _SIZE.match(item)
            if not match or 0 in (int(match[1]), int(match[2])):
                raise forms.ValidationError(f"Could not read {item.strip()!r}: write each size as width x height "
                                            "in pixels, such as 1024x768.")
            sizes.append((int(match[1]), int(match[2])))
        return sizes

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("images") and not cleaned.get("sizes"):
            raise forms.ValidationError("Upload an image or type a size such as 1024x768.")
        return cleaned


class CostForm(EstimateForm):
    input_tokens = forms.IntegerField(min_value=0, max_value=MAX_COUNT, initial=1000, label="Input tokens per request")
    cached_input_tokens = forms.IntegerField(
        min_value=0, max_value=MAX_COUNT, initial=0, required=False, label="Of which cached",
        help_text="Input served from the prompt cache (GPT-4o and later; prompts of 1,024 tokens or more).")
    output_tokens = forms.IntegerField(min_value=0, max_value=MAX_COUNT, initial=500,
                                       label="Expected output tokens per request")
    requests_per_day = forms.IntegerField(min_value=0, max_value=MAX_COUNT, initial=1000, label="Requests per day")

    def clean(self):
        cleaned = super().clean()
        cleaned["cached_input_tokens"] = cleaned.get("cached_input_tokens") or 0
        if cleaned.get("input_tokens") is not None and cleaned["cached_input_tokens"] > cleaned["input_tokens"]:
            self.add_error("cached_input_tokens", "Cached tokens are part of the input: at most the input tokens.")
        return cleaned

    @classmethod
    def defaults(cls) -> dict:
        """The initial values as form data, so the page opens on a worked projection."""
        return {name: field.initial for name, field in cls.base_fields.items()}


class DatasetForm(forms.Form):
    model = forms.ChoiceField(initial="gpt-4.1-mini", label="Base model")
    epochs = forms.CharField(initial="auto", max_length=8,
                             help_text=f"auto, or a whole number from 1 to {MAX_EPOCHS}.")
    deployment_type = forms.ChoiceField(
        label="Trained and hosted as", initial="GlobalStandard",
        choices=[c for c in Price.DeploymentType.choices if c[0] != Price.DeploymentType.BATCH],
        help_text="Developer: half the Global training price, no hosting fee, deleted after 24 hours.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = selectors.fine_tunable_models()
    training_file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".jsonl,application/jsonl"}),
                                    help_text="JSONL: one training example per line.")

    def clean_epochs(self) -> int | None:
        value = self.cleaned_data["epochs"].strip().lower()
        if value in ("", "auto"):
            return None
        # isascii: "¹" and "٣" are digits to str.isdigit but not to int().
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_EPOCHS:
            raise forms.ValidationError(f"Write auto, or a whole number of epochs from 1 to {MAX_EPOCHS}.")
        return int(value)

    def clean_training_file(self):
        upload = self.cleaned_data["training_file"]
        limit = settings.STUDIO_MAX_DATASET_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {filesizeformat(upload.size)}, over the {filesizeformat(limit)} "
                                        "limit (STUDIO_MAX_DATASET_BYTES); split it or raise the limit.")
        return upload


# --- The price table ---
PRICE_FIELDS = ("input_per_1m", "cached_input_per_1m", "output_per_1m", "cache_write_per_1m", "unit_price")
# Which prices each kind is billed by (see pricing.PriceRow); the rest must stay empty so nothing is misread.
PRICES_BY_KIND = {
    "tokens": {"input_per_1m", "output_per_1m", "cached_input_per_1m", "cache_write_per_1m"},
    "image_tokens": {"input_per_1m", "output_per_1m", "cached_input_per_1m"},
    "audio_tokens": {"input_per_1m", "output_per_1m"},
    "training_tokens": {"input_per_1m"},
    "characters": {"input_per_1m"},
    "image": {"unit_price"},
    "audio_seconds": {"unit_price"},
    "hosting_hour": {"unit_price"},
    "training_hour": {"unit_price"},
}
REQUIRED_BY_KIND = {"image": {"unit_price", "size", "quality"}, "audio_seconds": {"unit_price"},
                    "hosting_hour": {"unit_price"}, "training_hour": {"unit_price"},
                    "audio_tokens": set(), "image_tokens": {"output_per_1m"}}


def fields_for_kind(kind: str) -> tuple[str, ...]:
    """The price fields a row of this kind shows, in the table's order."""
    return tuple(name for name in PRICE_FIELDS if name in PRICES_BY_KIND.get(kind, ()))


def _plain(value: Decimal | None) -> str | None:
    # The table keeps 8 places; a form shows 2.5, not 2.50000000 (and never 1E+1).
    return None if value is None else format(value.normalize(), "f")


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def _check_prices(form: forms.Form, kind: str | None, cleaned: dict, *, image_fields: bool = True) -> None:
    if not kind:
        return
    allowed = PRICES_BY_KIND[kind]
    required = REQUIRED_BY_KIND.get(kind, {"input_per_1m"})
    for name in PRICE_FIELDS + (("size", "quality") if image_fields else ()):
        value = cleaned.get(name)
        empty = value in (None, "")
        if name in required and empty and name not in form.errors:
            form.add_error(name, f"A {kind.replace('_', ' ')} price needs this.")
        elif name not in allowed and name not in ("size", "quality") and not empty:
            uses = ", ".join(_lower_first(form.fields[n].label) for n in PRICE_FIELDS if n in allowed)
            form.add_error(name, f"Leave this empty: a {kind.replace('_', ' ')} price uses {uses}.")
    if kind in ("audio_tokens",) and all(cleaned.get(n) in (None, "") for n in allowed):
        form.add_error("input_per_1m", "An audio tokens price needs an input or an output price.")
    if image_fields and kind != "image":
        for name in ("size", "quality"):
            if cleaned.get(name):
                form.add_error(name, "Only generated-image prices have a size and quality.")


def _check_image_options(form: forms.Form, cleaned: dict) -> None:
    """A generated-image price's size and quality must be ones its model makes."""
    model, size, quality = cleaned.get("model"), cleaned.get("size"), cleaned.get("quality")
    if cleaned.get("kind") != "image" or not model or not size or not quality:
        return
    try:
        image_generation.check_size_and_quality(model, size.strip().lower(), quality.strip().lower())
    except EstimatorError as e:
        form.add_error(e.param if e.param in form.fields else "model", str(e))
    else:
        cleaned["size"], cleaned["quality"] = size.strip().lower(), quality.strip().lower()


def _check_tier(form: forms.Form, kind: str | None, cleaned: dict) -> None:
    if cleaned.get("tier") and kind != "tokens":
        form.add_error("tier", "Only token prices have a long-context or priority rate.")


class PriceForm(forms.ModelForm):
    """A new price line, or a new row of one (the unique constraint refuses a second row for the same date)."""

    class Meta:
        model = Price
        fields = ("model", "kind", "deployment_type", "tier", *PRICE_FIELDS, "size", "quality", "currency",
                  "effective_from", "source", "source_date")
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}),
                   "source_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].required = True
        # Another kind bills by other fields: the page re-renders for it (the view picks the fields).
        self.fields["kind"].widget.attrs.update({
            "hx-get": reverse("estimator:price_add"), "hx-target": "body", "hx-include": "closest form",
            "hx-push-url": "true", "hx-trigger": "change",
        })

    def clean(self):
        cleaned = super().clean()
        _check_prices(self, cleaned.get("kind"), cleaned)
        _check_image_options(self, cleaned)
        _check_tier(self, cleaned.get("kind"), cleaned)
        return cleaned


class PriceChangeForm(forms.Form):
    """New figures for one price line: from the row's own date they correct it, from another date they add a row."""

    def __init__(self, *args, price: Price, **kwargs):
        kwargs.setdefault("initial", {
            **{name: _plain(getattr(price, name)) for name in PRICE_FIELDS}, "currency": price.currency,
            "effective_from": timezone.localdate(), "source": price.source, "source_date": price.source_date,
        })
        super().__init__(*args, **kwargs)
        self.price = price
        names = (*fields_for_kind(price.kind), "currency", "effective_from", "source", "source_date")
        self.fields.update(forms.fields_for_model(Price, fields=names, widgets=PriceForm.Meta.widgets))
        self.fields["source"].required = True
        self.fields["effective_from"].help_text = (
            f"From when these figures apply. The current row stays as history; keep its own date "
            f"({price.effective_from:%Y-%m-%d}) only to correct a mistake in it."
        )

    def clean(self):
        cleaned = super().clean()
        _check_prices(self, self.price.kind, cleaned, image_fields=False)
        day = cleaned.get("effective_from")
        if day and day != self.price.effective_from:
            if Price.objects.filter(**self.price.line_filter(), effective_from=day).exists():
                self.add_error("effective_from", f"This line has a price from {day:%Y-%m-%d} already; edit that row "
                                                 "instead, or choose another date.")
        return cleaned

    def values(self) -> dict:
        names = (*fields_for_kind(self.price.kind), "currency", "source", "source_date")
        return {name: self.cleaned_data[name] for name in names}


class PriceFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Model", max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "gpt-5.4"}))
    family = forms.ChoiceField(required=False, label="Family")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Price.Kind.choices])
    deployment_type = forms.ChoiceField(required=False, choices=[("", "Any type"), *Price.DeploymentType.choices])
    history = forms.BooleanField(required=False, label="Show superseded prices")
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].choices = [("", "Any family"), *[(f, f) for f in selectors.price_families()]]


class CustomModelForm(forms.ModelForm):
    """A model an Admin adds: the same fields, and the same checks, as the models Studio ships with."""

    class Meta:
        model = CustomModel
        fields = ("name", "family", "kind", "encoding", "tokenizer_published", "context", "max_output", "image_rule",
                  "tile_base", "tile_tokens", "patch_multiplier", "patch_budget", "status", "retires_on", "successor",
                  "source")
        widgets = {"retires_on": forms.DateInput(attrs={"type": "date"})}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip().lower()

    def clean_family(self) -> str:
        family = self.cleaned_data["family"].strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", family):
            raise forms.ValidationError("Lower-case letters, digits, dots and dashes, such as gpt-5 or o-series.")
        return family

    def clean(self):
        cleaned = super().clean()
        context, max_output = cleaned.get("context"), cleaned.get("max_output")
        if context and max_output and max_output > context:
            self.add_error("max_output", "The maximum output is part of the context window: at most the context.")
        rule = cleaned.get("image_rule")
        needs = {"tile": ("tile_base", "tile_tokens"), "patch": ("patch_multiplier", "patch_budget")}
        for kind, names in needs.items():
            for name in names:
                value = cleaned.get(name)
                if kind == rule and value in (None, "") and name not in self.errors:
                    self.add_error(name, f"The {kind} rule needs this.")
                elif kind != rule and value not in (None, ""):
                    self.add_error(name, f"Leave this empty: it belongs to the {kind} rule.")
        if cleaned.get("tile_base") == 0 or cleaned.get("tile_tokens") == 0:
            self.add_error("tile_tokens", "Tile constants are whole numbers of tokens above 0.")
        if cleaned.get("status") == CustomModel.Status.RETIRED and not cleaned.get("retires_on"):
            self.add_error("retires_on", "A retired model needs its retirement date.")
        successor = (cleaned.get("successor") or "").strip().lower()
        if successor and successor == cleaned.get("name"):
            self.add_error("successor", "A model cannot succeed itself.")
        cleaned["successor"] = successor
        return cleaned
