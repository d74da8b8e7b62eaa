"""The e-mails auth sends, through Django's e-mail backend (``EMAIL_BACKEND``).

SMTP in production (``EMAIL_HOST``...), the console under ``make up``, locmem in tests (Django's
test runner swaps it in; ``django.core.mail.outbox`` holds what was sent). Built from the user's
row when the task runs, so the broker carries a user id, never an address or a reset token.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from .conf import password_reset_url
from .models import User

SIGNUP_ATTEMPT = "signup_attempt"
PASSWORD_RESET = "password_reset"


def _signup_attempt(user: User) -> tuple[str, str]:
    return (
        "Someone tried to sign up to Wanzo with your address",
        "Someone tried to create a Wanzo account with this e-mail address, which already has "
        "one. If it was you, sign in, or reset your password if you forgot it. If it was not "
        "you, there is nothing to do: no account was made and yours did not change.\n",
    )


def _password_reset(user: User) -> tuple[str, str]:
    from .services.password_reset import password_reset_link

    uid, token = password_reset_link(user=user)
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    url = password_reset_url()
    where = (
        f"Open this link to choose a new password:\n\n{url.format(uid=uid, token=token)}\n"
        if url
        else f"Enter these in the app to choose a new password:\n\nuid: {uid}\ntoken: {token}\n"
    )
    return (
        "Reset your Wanzo password",
        f"Someone (we hope you) asked to reset the password of your Wanzo account. {where}\n"
        f"It works once, for {minutes} minutes. If you did not ask, ignore this e-mail: your "
        "password stays as it is.\n",
    )


BUILDERS = {SIGNUP_ATTEMPT: _signup_attempt, PASSWORD_RESET: _password_reset}


def account_email_send_now(*, kind: str, user_id: str) -> bool:
    """Send the ``kind`` e-mail to the user; ``False`` if the user has no address any more."""
    user = User.objects.filter(pk=user_id, email__isnull=False).first()
    if user is None:
        return False
    subject, body = BUILDERS[kind](user)
    send_mail(subject, body, None, [user.email])
    return True
