"""One JSON error shape for the whole API, compatible with OpenAI clients:

    {"error": {"message": "...", "type": "invalid_request_error", "code": "...",
               "param": null, "fields": {"k": ["..."]}}}

DRF's exceptions (validation, auth, throttling, 404, 405, 413, 415) are reshaped here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    502: "upstream_error",
    503: "service_unavailable",
    504: "upstream_timeout",
}


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A model this request needs is not available."
    default_code = "model_unavailable"


class UpstreamFailed(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "A server this request depends on failed."
    default_code = "upstream_failed"


class UpstreamTimeout(exceptions.APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "A server this request depends on did not answer in time."
    default_code = "upstream_timeout"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "too_large"


def upload_error(exc, *, field: str) -> exceptions.APIException:
    """Map an upload ValidationError to 413 (too large) or 400 with the field's message."""
    if getattr(exc, "code", None) == "too_large":
        return PayloadTooLarge(exc.messages[0])
    return exceptions.ValidationError({field: exc.messages})


def error_body(
    message: str, *, status_code: int, code: str = "", param=None, fields=None
):
    body = {
        "message": message,
        "type": TYPES.get(status_code, "api_error"),
        "code": code or None,
        "param": param,
    }
    if fields:
        body["fields"] = fields
    return {"error": body}


def handle_exception(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge("The request body is larger than the server accepts.")
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields or files, a malformed multipart body: Django's own refusals,
        # given the API's JSON error shape instead of an HTML 400 page.
        exc = exceptions.ParseError(str(exc) or "The request could not be parsed.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (and logging) applies
    if isinstance(exc, exceptions.ValidationError):
        fields = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        first_field, first_errors = next(iter(fields.items()))
        first = (
            first_errors[0]
            if isinstance(first_errors, list) and first_errors
            else first_errors
        )
        message = (
            str(first)
            if first_field == "non_field_errors"
            else f"{first_field}: {first}"
        )
        body = error_body(message, status_code=400, code="invalid", param=first_field,
                          fields=fields)  # fmt: skip
    else:
        detail = exc.detail if hasattr(exc, "detail") else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "")
        body = error_body(str(detail), status_code=response.status_code, code=str(code))
    return Response(body, status=response.status_code, headers=response.headers)


API_PREFIXES = ("/api/", "/v1/", "/health")


def page_not_found(request, exception=None):
    """404 for unmatched URLs: the API's JSON error under API paths, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found as html_not_found

    if request.path.startswith(API_PREFIXES):
        return JsonResponse(
            error_body(
                "No such endpoint or object.", status_code=404, code="not_found"
            ),
            status=404,
        )
    return html_not_found(request, exception)
