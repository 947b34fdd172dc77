"""The Content-Security-Policy blocks what it should and nothing the pages need."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_pages_and_api_docs_work_under_the_policy(
    page, live_server, django_user_model, make_item
):
    item = make_item(title="정책 확인 문항")
    django_user_model.objects.create_superuser(
        "editor", "e@example.com", "correct-horse-9"
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "correct-horse-9")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/items/item/")
    assert page.locator("#result_list").is_visible()
    page.goto(f"{live_server.url}/admin/items/item/{item.pk}/change/")
    # The inline formset's "Add another" link is made by the admin's JavaScript.
    page.wait_for_selector(".add-row a")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=20_000)
    assert "Multimodal RAG Portal API" in page.inner_text(".information-container")


def test_an_injected_inline_script_is_blocked(page, live_server, db):
    """Proof that the policy is enforced, not only sent: inline script does not run."""
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("() => window.injected === undefined")
    assert any("inline script" in text for text in page.csp_violations)
    page.csp_violations.clear()  # expected here; the fixture fails on any other
