"""Create the first admin account for a new installation and record its login."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create an 'admin' superuser with a random password if no superuser exists; "
        "the login is written to var/admin-login.txt (readable by the owner only)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        login_file = settings.VAR_DIR / "admin-login.txt"
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            if not login_file.exists():
                login_file.write_text("an existing superuser; password set earlier\n")
            self.stdout.write("A superuser exists; leaving accounts unchanged.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username, f"{username}@localhost", password)
        login_file.parent.mkdir(parents=True, exist_ok=True)
        login_file.write_text(f"login {username} / {password}\n")
        login_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(f"Created superuser {username} / {password}")
        )
