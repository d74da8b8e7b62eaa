"""Tokens of a deactivated, deleted or re-passworded user, or of an ended session, are refused
here once this service's consumer has handled the event (wanzo_common.api.revocation)."""

from wanzo_common.api.testing import RevocationContract


class TestRevocation(RevocationContract):
    path = "/api/sales/"
    role = "SME_OWNER"
