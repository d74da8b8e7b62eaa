"""``manage.py create_internal_admin --email X``: a Wanzo staff administrator (INTERNAL_ADMIN).

The password never goes on the command line (shell history, ``ps``): it is read from
``WANZO_ADMIN_PASSWORD`` or asked for twice at a prompt. Run again, it resets that
administrator's password, so a demo can run it every time.
"""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from identity.services import internal_admin_ensure

PASSWORD_ENV = "WANZO_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = "Create (or reset the password of) an internal administrator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--no-input", action="store_true", help=f"Never prompt: {PASSWORD_ENV} must be set."
        )

    def handle(self, *args, email: str, first_name: str, last_name: str, no_input: bool, **opts):
        password = os.environ.get(PASSWORD_ENV) or (None if no_input else self._prompt())
        if not password:
            raise CommandError(f"No password: set {PASSWORD_ENV} or run interactively.")
        try:
            user, created = internal_admin_ensure(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from None
        verb = "created" if created else "updated (password reset)"
        self.stdout.write(self.style.SUCCESS(f"internal admin {user.id} {verb}"))

    def _prompt(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
    return exc.messages
