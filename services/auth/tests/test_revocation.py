"""auth's consumer refuses revoked tokens like every service (the shared contract), with a
caller that exists here: auth also checks the caller against its database."""

import uuid

from identity.models import Organization, User

from wanzo_common.api.testing import RevocationContract


class TestRevocation(RevocationContract):
    path = "/api/auth/me/"

    def client(self, user_id: str, **claims):
        # auth answers only for its own users: make the one the token names (once).
        if not User.objects.filter(pk=user_id).exists():
            organization = Organization.objects.create(name="Contract")
            User.objects.create_user(
                f"{uuid.uuid4().hex[:12]}@example.com", id=user_id, role=self.role,
                organization=organization,
            )  # fmt: skip
            self.organization_id = str(organization.id)
        return super().client(user_id, **claims)
