"""Accounts: sign-up of an organisation, users added by its owner, staff, password changes.

Rules raise Django's ``ValidationError`` keyed by the API's field names (``email``,
``password``...), which the API answers as field-level 400s. Each change that other services
care about publishes its event in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from wanzo_common.api.roles import Role

from .. import events
from ..errors import AuthRefused, Reason
from ..models import Organization, User, normalize_email
from ..selectors import user_email_taken
from ..tokens import TokenPair, token_pair_issue, user_tokens_revoke_all
from .sessions import PASSWORD, auth_failure_count, password_failure_record, session_user

INITIAL_PLAN = "free"
EMAIL_TAKEN = "A user with this e-mail address already exists."


def _checked_password(password: str, *, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _user_validate(user: User, *, password: str) -> None:
    """The e-mail is free and the password passes the validators (against the user's data)."""
    if user_email_taken(email=user.email):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    _checked_password(password, user=user)


def _user_insert(user: User, *, password: str) -> User:
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:  # the same address signed up concurrently (unique on Lower(email))
        raise ValidationError({"email": [EMAIL_TAKEN]}) from None
    return user


def _new_user(*, email: str, first_name: str, last_name: str, phone: str, **fields) -> User:
    return User(
        email=normalize_email(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        **fields,
    )


def organization_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    organization_name: str,
    country: str = "",
    industry: str = "",
) -> tuple[User, TokenPair]:
    """A new organisation and its owner (SME_OWNER), signed in; publishes ``user.created``."""
    with transaction.atomic():
        organization = Organization(
            name=organization_name.strip(), country=country, industry=industry
        )
        user = _new_user(
            email=email, first_name=first_name, last_name=last_name, phone=phone,
            role=Role.SME_OWNER, organization=organization,
        )  # fmt: skip
        _user_validate(user, password=password)
        organization.save(force_insert=True)
        _user_insert(user, password=password)
        events.user_created(user, initial_plan=INITIAL_PLAN)
        pair = token_pair_issue(user=user)
    return user, pair


def organization_user_create(
    *, owner: User, email: str, password: str, first_name: str, last_name: str, phone: str = ""
) -> User:
    """An SME_USER in the owner's organisation (never another one); publishes ``user.created``.

    ``owner`` comes from the database: a token issued before a role change does not count.
    """
    if owner.role != Role.SME_OWNER or owner.organization_id is None:
        raise PermissionDenied("Only the owner of an organisation may add its users.")
    with transaction.atomic():
        user = _new_user(
            email=email, first_name=first_name, last_name=last_name, phone=phone,
            role=Role.SME_USER, organization=owner.organization,
        )  # fmt: skip
        _user_validate(user, password=password)
        _user_insert(user, password=password)
        events.user_created(user)
    return user


def internal_admin_ensure(
    *, email: str, password: str, first_name: str = "", last_name: str = ""
) -> tuple[User, bool]:
    """An INTERNAL_ADMIN with this e-mail and password; ``(user, created)``.

    Run again, it sets the password of the existing internal user (a demo can rerun it); an
    address that belongs to an organisation's user is refused.
    """
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(email=normalize_email(email)).first()
        if existing is None:
            user = _new_user(
                email=email, first_name=first_name, last_name=last_name, phone="",
                role=Role.INTERNAL_ADMIN,
            )  # fmt: skip
            _user_validate(user, password=password)
            _user_insert(user, password=password)
            events.user_created(user)
            return user, True
        if not existing.is_internal:
            raise ValidationError({"email": ["This address belongs to an organisation's user."]})
        _checked_password(password, user=existing)
        existing.set_password(password)
        existing.is_active = True
        existing.save(update_fields=["password", "is_active"])
        return existing, False


def user_password_change(*, user_id: str, old_password: str, new_password: str) -> TokenPair:
    """Change the password (the old one required), revoke every refresh token, sign in anew.

    A wrong old password counts towards the lockout like a wrong login, so a stolen access
    token cannot be used to guess the password.
    """
    with transaction.atomic():
        user = session_user(user_id=user_id, for_update=True)
        refusal = _old_password_refusal(user, old_password)
        if refusal is None:
            pair = _password_set(user, old_password=old_password, new_password=new_password)
    if refusal is not None:
        auth_failure_count(refusal.reason, auth_method=PASSWORD)
        if refusal.reason is Reason.INVALID_CREDENTIALS and refusal.locked_until is None:
            raise ValidationError({"old_password": ["The current password is not correct."]})
        raise refusal
    return pair


def _old_password_refusal(user: User, old_password: str) -> AuthRefused | None:
    now = timezone.now()
    if user.is_locked(now=now):
        return AuthRefused(Reason.ACCOUNT_LOCKED, locked_until=user.locked_until)
    if not user.check_password(old_password):
        _, locked_until = password_failure_record(user=user, now=now)
        return AuthRefused(Reason.INVALID_CREDENTIALS, locked_until=locked_until)
    return None


def _password_set(user: User, *, old_password: str, new_password: str) -> TokenPair:
    if new_password == old_password:
        raise ValidationError({"new_password": ["The new password must differ from the old one."]})
    _checked_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.failed_login_count = 0
    user.save(update_fields=["password", "failed_login_count"])
    user_tokens_revoke_all(user=user)
    events.password_changed(user, changed_by=str(user.id))
    return token_pair_issue(user=user)
