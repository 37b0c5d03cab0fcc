"""Named errors of the estimator's rules; each message says what to fix."""


class EstimatorError(ValueError):
    """Base of the estimator's errors: a `code` for APIs and an optional `param` naming the bad input."""

    code: str = "invalid_request"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class UnknownModel(EstimatorError):
    code = "unknown_model"

    def __init__(self, model: str, *, known: tuple[str, ...] = (), param: str | None = "model") -> None:
        self.model = model
        self.known = known
        message = f"unknown model {model!r}: use the deployment's underlying model name"
        if known:
            message += f", one of {', '.join(known)} (dated versions and fine-tunes of these work too)"
        super().__init__(message, param=param)


class ImageError(EstimatorError):
    code = "invalid_image"


class TooLarge(EstimatorError):
    code = "too_large"
