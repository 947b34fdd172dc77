"""Security headers on pages: Content-Security-Policy, framing refused, CSRF enforced."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from portal.csp import build_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/health/live"])
def test_pages_carry_the_policy_and_refuse_framing(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_only_relax_styles(client):
    """Swagger UI injects a <style>; scripts stay restricted to this site."""
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in client.get("/")["Content-Security-Policy"]


def test_item_page_carries_the_policy(client, make_item):
    item = make_item()
    response = client.get(reverse("search:item", args=[item.pk]))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_report_only_mode_changes_the_header(settings, rf):
    from portal.csp import ContentSecurityPolicyMiddleware

    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(rf.get("/"))
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"] == build_policy(
        settings.CONTENT_SECURITY_POLICY
    )


def test_admin_login_refuses_a_post_without_csrf_token(django_user_model):
    django_user_model.objects.create_superuser("editor", "e@example.com", "pw-9-horse")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/admin/login/", {"username": "editor", "password": "pw-9-horse"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session
