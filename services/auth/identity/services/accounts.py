"""Accounts: sign-up of an organisation, users added by its owner, staff, passwords.

Rules raise Django's ``ValidationError`` keyed by the API's field names (``email``,
``password``...), which the API answers as field-level 400s. Each change that other services
care about publishes its event in the same transaction.

Sign-up and the password-reset request never say whether an address has an account: the
caller gets the same answer, and the owner of the address an e-mail (sent by a Celery task
after the commit, so the answer does not wait for the mail server either).
"""

from __future__ import annotations

import logging

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from wanzo_common.api.roles import Role

from .. import events
from ..conf import reserved_top_level_domains
from ..errors import AuthRefused, Reason
from ..models import Organization, User, normalize_email
from ..selectors import user_email_taken, user_get_by_email
from ..tokens import TokenPair, token_pair_issue, user_tokens_revoke_all
from .sessions import (
    PASSWORD,
    auth_failure_count,
    password_dummy_check,
    password_failure_record,
    password_wait_refusal,
    session_user,
)

logger = logging.getLogger(__name__)

INITIAL_PLAN = "free"
EMAIL_TAKEN = "A user with this e-mail address already exists."
EMAIL_RESERVED = "This domain is reserved (RFC 2606, RFC 6761): it receives no e-mail."


def email_domain_check(email: str) -> None:
    """An address in a special-use top-level domain (``.invalid``, ``.test``...) is no one's."""
    domain = normalize_email(email).rpartition("@")[2].rstrip(".")
    if domain.rpartition(".")[2] in reserved_top_level_domains():
        raise ValidationError({"email": [EMAIL_RESERVED]})


def account_email_send(*, kind: str, user: User) -> None:
    """Queue an e-mail to ``user`` once the transaction commits (task :mod:`identity.tasks`).

    A failure to queue (or, with no broker, to send) is logged without the address and never
    reaches the caller: an error only for existing addresses would tell who has an account.
    """

    def send() -> None:
        from ..tasks import send_account_email

        try:
            send_account_email.delay(kind=kind, user_id=str(user.id))
        except Exception:  # noqa: BLE001  (any failure: logged, the answer is the same)
            logger.exception("e-mail %s to user %s not sent", kind, user.id)

    transaction.on_commit(send)


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
) -> User | None:
    """A new organisation and its owner (SME_OWNER); publishes ``user.created``.

    The caller cannot tell a new address from a known one: the same field checks run first
    (the domain, the password validators), a known address costs the same password hashing,
    and its owner is told by e-mail instead. Returns the new user, or ``None`` when the address
    was taken; the API answers both alike.
    """
    organization = Organization(name=organization_name.strip(), country=country, industry=industry)
    user = _new_user(
        email=email, first_name=first_name, last_name=last_name, phone=phone,
        role=Role.SME_OWNER, organization=organization,
    )  # fmt: skip
    email_domain_check(user.email)
    _checked_password(password, user=user)
    with transaction.atomic():
        existing = user_get_by_email(email=user.email)
        if existing is None:
            try:
                with transaction.atomic():
                    organization.save(force_insert=True)
                    _user_insert(user, password=password)
            except ValidationError:  # signed up concurrently: a known address after all
                existing = user_get_by_email(email=user.email)
            else:
                events.user_created(user, initial_plan=INITIAL_PLAN)
                return user
        password_dummy_check(password)  # what set_password costs for a new address
        if existing is not None:
            account_email_send(kind="signup_attempt", user=existing)
    return None


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
        email_domain_check(user.email)
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


def user_password_change(
    *, user_id: str, old_password: str, new_password: str, client: str
) -> TokenPair:
    """Change the password (the old one required), end every session, sign in anew.

    A wrong old password counts towards the lockout of (address, client) like a wrong login,
    so a stolen access token cannot be used to guess the password.
    """
    with transaction.atomic():
        user = session_user(user_id=user_id, for_update=True)
        refusal = _old_password_refusal(user, old_password, client=client)
        if refusal is None:
            if new_password == old_password:
                raise ValidationError(
                    {"new_password": ["The new password must differ from the old one."]}
                )
            user_password_replace(user=user, new_password=new_password, method="change")
            pair = token_pair_issue(user=user)
    if refusal is not None:
        auth_failure_count(refusal.reason, auth_method=PASSWORD)
        if refusal.reason is Reason.INVALID_CREDENTIALS:
            raise ValidationError({"old_password": ["The current password is not correct."]})
        raise refusal
    return pair


def _old_password_refusal(user: User, old_password: str, *, client: str) -> AuthRefused | None:
    refusal = password_wait_refusal(email=user.email, client=client)
    if refusal is not None:
        return refusal
    if not user.check_password(old_password):
        _, locked_until = password_failure_record(email=user.email, client=client)
        return AuthRefused(Reason.INVALID_CREDENTIALS, locked_until=locked_until)
    return None


def user_password_replace(*, user: User, new_password: str, method: str) -> None:
    """Set a new password (checked by the validators), end every session of the user and
    publish ``auth.password_changed``: the one path of a change and a reset.

    ``user`` is locked for update by the caller, in its transaction.
    """
    _checked_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke_all(user=user)
    events.password_changed(user, changed_by=str(user.id), method=method)
