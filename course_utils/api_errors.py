"""OpenAI-shaped HTTP errors for the local server (lesson 10 reads them through the openai SDK).

Every refusal is ``{"error": {"message", "type", "param", "code"}}`` with the wording the real
API uses, so ``openai.BadRequestError.param`` / ``.code`` point at the offending field exactly as
they would against a real provider.
"""

from __future__ import annotations

from typing import Any, Iterable


class APIError(Exception):
    """An error answered as OpenAI does: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


def kind(value: Any) -> str:
    """JSON's name for a Python value, as OpenAI's messages put it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def clip(text: str, limit: int = 100) -> str:
    """Echo at most ``limit`` characters of client input in a message (fuzzers send megabytes)."""
    return text if len(text) <= limit else text[:limit] + "..."


def invalid_type(param: str, expected: str, value: Any) -> APIError:
    return APIError(400, f"Invalid type for '{param}': expected {expected}, but got "
                         f"{kind(value)} instead.", param=param, code="invalid_type")


def invalid_value(param: str, message: str) -> APIError:
    return APIError(400, f"Invalid value for '{param}': {message}", param=param, code="invalid_value")


def missing(param: str) -> APIError:
    return APIError(400, f"Missing required parameter: '{param}'.", param=param,
                    code="missing_required_parameter")


def supported_values(values: Iterable[str]) -> str:
    """``'a', 'b', and 'c'`` -- OpenAI's way of listing an enum."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def bad_enum(param: str, value: Any, allowed: Iterable[str]) -> APIError:
    """``Invalid value: 'x'. Supported values are: ...`` (the real API's enum refusal)."""
    shown = clip(value if isinstance(value, str) else repr(value), 40)
    return APIError(400, f"Invalid value: '{shown}'. Supported values are: "
                         f"{supported_values(allowed)}.", param=param, code="invalid_value")


def unsupported(param: str, why: str) -> APIError:
    """A real parameter the simulator refuses instead of ignoring (the README lists them)."""
    return APIError(400, f"Unsupported parameter: '{param}' is not supported by the course "
                         f"simulator: {why}", param=param, code="unsupported_parameter")


def unknown_parameter(name: str) -> APIError:
    shown = clip(name)
    return APIError(400, f"Unrecognized request argument supplied: {shown}", param=shown,
                    code="unknown_parameter")


def too_long_array(param: str, limit: int, got: int) -> APIError:
    return APIError(400, f"Invalid '{param}': array too long. Expected an array with maximum "
                         f"length {limit}, but got an array with length {got} instead.",
                    param=param, code="array_above_max_length")
