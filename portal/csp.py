"""Content-Security-Policy on every response: only our own scripts, styles and frames.

Django 5.2 has no CSP support of its own (6.0 adds it); this is the small piece we need.
The pages keep no inline script or handler (static/portal/search.js binds them), so
`script-src 'self'` holds for the search page, item pages, the admin and the API docs
(served by SpectacularSwaggerSplitView, whose start-up script is a URL, not inline).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{name} {' '.join(sources)}".strip() for name, sources in directives.items()
    )


def csp_override(changes: dict[str, list[str]]) -> Callable:
    """Decorate a view whose third-party page needs more than the site policy: the
    directives in `changes` replace the site's for that view only."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            policy = {**settings.CONTENT_SECURITY_POLICY, **changes}
            response["Content-Security-Policy"] = build_policy(policy)
            return response

        return wrapped

    return decorator


class ContentSecurityPolicyMiddleware:
    """Adds the policy in `settings.CONTENT_SECURITY_POLICY`, unless a view set one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
            else "Content-Security-Policy"
        )
        self.policy = build_policy(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and self.header not in response:
            response[self.header] = self.policy
        return response
