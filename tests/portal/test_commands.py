"""Operator commands: first admin account, embedded database status."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.mark.django_db
def test_ensure_admin_creates_one_superuser_and_records_the_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    login = (tmp_path / "admin-login.txt").read_text()
    username, password = login.removeprefix("login ").strip().split(" / ")
    user = get_user_model().objects.get(username=username)
    assert user.is_superuser and user.check_password(password)
    assert (tmp_path / "admin-login.txt").stat().st_mode & 0o077 == 0

    call_command("ensure_admin", stdout=out)
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert (tmp_path / "admin-login.txt").read_text() == login


@pytest.mark.django_db
def test_embedded_db_status_names_the_socket(settings):
    if settings.DATABASE_URL:
        pytest.skip("DATABASE_URL is set; the embedded server is not in use")
    out = io.StringIO()
    call_command("embedded_db", "status", stdout=out)
    assert settings.DATABASES["default"]["HOST"] in out.getvalue()
