"""Azure-shaped error bodies for the three surfaces: inference, authoring (files, fine-tuning) and ARM."""

from __future__ import annotations

from typing import Any

ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource."
)
DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, "
    "please wait a moment and try again."
)
PROMPT_FILTERED = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify "
    "your prompt and retry. To learn more about our content filtering policies please read our documentation: "
    "https://go.microsoft.com/fwlink/?linkid=2198766"
)
IMAGE_FILTERED = (
    "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed "
    "by our safety system."
)


class ApiError(Exception):
    """An answer other than success; the endpoint wrappers turn it into a JSON response."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error", {}).get("message", str(status)))
        self.status = status
        self.body = body
        self.headers = headers or {}


def invalid_request(message: str, param: str | None = None, code: str | None = "invalid_value",
                    status: int = 400) -> ApiError:
    """An OpenAI-style validation error, as Azure relays it for inference calls."""
    return ApiError(status, {"error": {"message": message, "type": "invalid_request_error", "param": param,
                                       "code": code}})


def access_denied() -> ApiError:
    return ApiError(401, {"error": {"code": "401", "message": ACCESS_DENIED}})


def deployment_not_found() -> ApiError:
    return ApiError(404, {"error": {"code": "DeploymentNotFound", "message": DEPLOYMENT_NOT_FOUND}})


def operation_not_supported(operation: str, model: str) -> ApiError:
    message = (f"The {operation} operation does not work with the specified model, {model}. Please choose different "
               "model and try again. You can learn more about which models can be used with each operation here: "
               "https://go.microsoft.com/fwlink/?linkid=2197993.")
    return ApiError(400, {"error": {"code": "OperationNotSupported", "message": message}})


def missing_api_version() -> ApiError:
    # Azure's gateway answers a request without api-version as an unknown resource.
    return ApiError(404, {"error": {"code": "404", "message": "Resource not found"}})


def unsupported_api_version(version: str) -> ApiError:
    return ApiError(400, {"error": {"code": "BadRequest", "message": f"API version not supported: {version}"}})


def content_filtered(results: dict[str, Any]) -> ApiError:
    return ApiError(400, {"error": {
        "message": PROMPT_FILTERED, "type": None, "param": "prompt", "code": "content_filter", "status": 400,
        # The live service spells these `innererror` and `content_filter_result` (wire reference, trap 2).
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": results},
    }})


def image_filtered(results: dict[str, Any], revised_prompt: str) -> ApiError:
    return ApiError(400, {"error": {
        "code": "content_policy_violation", "type": "invalid_request_error", "message": IMAGE_FILTERED,
        # Images use yet another spelling: `inner_error` and the plural `content_filter_results`.
        "inner_error": {"code": "ResponsibleAIPolicyViolation", "content_filter_results": results,
                        "revised_prompt": revised_prompt},
    }})


def authoring(status: int, code: str, message: str, target: str | None = None,
              details: list[dict[str, Any]] | None = None) -> ApiError:
    """Files and fine-tuning errors follow the Microsoft REST guidelines' shape."""
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    return ApiError(status, {"error": error})


def arm(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, {"error": {"code": code, "message": message}})
