"""Image-input estimates for the page: each step of the model's rule (tiles or patches), drawn, with tokens and cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import BinaryIO

from shared_rules import image_rules
from shared_rules import images as image_rule
from shared_rules.errors import EstimatorError
from shared_rules.images import ImageTokens, image_tokens, read_image_size, rule_for
from studio.estimator.selectors import PriceBook, ResolvedModel, price_book, resolve_model
from studio.estimator.services import Priced, deployment_type_for, price_tokens
from studio.estimator.thumbnails import thumbnail_data_url


@dataclass(frozen=True)
class ImageSource:
    """An image to price: an upload (sized from its header) or a typed width x height."""

    label: str
    width: int
    height: int
    file: BinaryIO | None = None


@dataclass(frozen=True)
class ImageProblem:
    label: str
    message: str


@dataclass(frozen=True)
class ImageEstimate:
    label: str
    counted: ImageTokens
    fitted: tuple[int, int]  # after fitting in 2048 x 2048, before the 768 short side
    columns: int
    rows: int
    priced: Priced
    base_tokens: int  # tiles: what every image costs; high detail adds tile_tokens per tile
    tile_tokens: int
    thumbnail: str | None = None  # a data URL to draw under the grid
    has_file: bool = False
    rule: image_rules.ImageRule | None = None

    @property
    def tiled(self) -> bool:
        return self.counted.tiles > 0

    @property
    def patched(self) -> bool:
        return self.counted.rule == "patch"

    @property
    def steps(self) -> image_rules.RuleSteps | None:
        return self.counted.steps

    @property
    def patch_grid(self) -> tuple[int, int]:
        """Columns and rows of 32-px patches, drawn over the resized image."""
        return self.columns, self.rows

    @property
    def grid_size(self) -> tuple[int, int]:
        return self.columns * image_rule.TILE, self.rows * image_rule.TILE

    @property
    def tile_origins(self) -> list[tuple[int, int]]:
        return [(c * image_rule.TILE, r * image_rule.TILE) for r in range(self.rows) for c in range(self.columns)]


@dataclass
class ImagesEstimate:
    model: ResolvedModel
    detail: str
    images: list[ImageEstimate] = field(default_factory=list)
    problems: list[ImageProblem] = field(default_factory=list)
    priced: Priced | None = None  # all the images together

    @property
    def tokens(self) -> int:
        return sum(i.counted.tokens for i in self.images)


def size_uploads(files: list) -> tuple[list[ImageSource], list[ImageProblem]]:
    """Sizes uploaded images from their headers; a file that is not a readable image becomes a problem."""
    sources, problems = [], []
    for upload in files:
        if upload.size > image_rule.MAX_IMAGE_BYTES:
            limit = image_rule.MAX_IMAGE_BYTES // (1024 * 1024)
            problems.append(ImageProblem(upload.name, f"is over {limit} MB, the most Azure takes per image"))
            continue
        try:
            width, height, _ = read_image_size(upload)
        except EstimatorError as e:
            problems.append(ImageProblem(upload.name, str(e)))
            continue
        sources.append(ImageSource(upload.name, width, height, upload))
    return sources, problems


def _estimate_one(source: ImageSource, model: ResolvedModel, detail: str, deployment_type: str,
                  book: PriceBook) -> ImageEstimate:
    counted = image_tokens(source.width, source.height, detail, model.counts_with)
    rule = rule_for(model.counts_with)
    base, per_tile = (rule.base, rule.per_tile) if isinstance(rule, image_rules.TileRule) else (0, 0)
    thumbnail = thumbnail_data_url(source.file, source.width, source.height) if source.file else None
    if counted.rule == "patch":
        columns = math.ceil(counted.resized[0] / image_rules.PATCH)
        rows = counted.patches // columns if columns else 0
    else:
        columns = math.ceil(counted.resized[0] / image_rule.TILE) if counted.tiles else 0
        rows = counted.tiles // columns if columns else 0
    return ImageEstimate(
        label=source.label, counted=counted, fitted=image_rule.fit_within_max_side(source.width, source.height),
        columns=columns, rows=rows,
        priced=price_tokens(model, counted.tokens, 0, deployment_type, book), base_tokens=base, tile_tokens=per_tile,
        thumbnail=thumbnail, has_file=source.file is not None, rule=rule,
    )


def estimate_images(sources: list[ImageSource], model: str, *, detail: str, deployment_type: str | None = None,
                    problems: list[ImageProblem] | None = None) -> ImagesEstimate:
    """Tokens and input cost of each image and of all of them; damaged images join the problems."""
    resolved = resolve_model(model)
    priced_as = deployment_type_for(resolved, deployment_type)
    book = price_book()
    estimate = ImagesEstimate(resolved, detail, problems=list(problems or []))
    for source in sources:
        try:
            estimate.images.append(_estimate_one(source, resolved, detail, priced_as, book))
        except EstimatorError as e:
            estimate.problems.append(ImageProblem(source.label, str(e)))
    estimate.priced = price_tokens(resolved, estimate.tokens, 0, priced_as, book)
    return estimate
