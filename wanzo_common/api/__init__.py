"""The API layer every Wanzo service shares: JWT identity, roles, pagination, OpenAPI.

The auth service signs access and refresh tokens with its private key (EdDSA); every service
verifies them with the public keys, by the key id the token names, and no call to auth
(:class:`~wanzo_common.api.authentication.JWTAuthentication`, :mod:`~wanzo_common.api.tokens`),
then refuses those revoked since: its consumer records auth's and admin's revocations in its own
database (:mod:`~wanzo_common.api.handlers`, :mod:`~wanzo_common.api.revocation`). The token carries the user's id,
role and organisation: :class:`~wanzo_common.api.authentication.WanzoUser` exposes them, the
permissions in :mod:`~wanzo_common.api.permissions` check them, and
:func:`~wanzo_common.api.permissions.scoped` keeps every organisation to its own rows.
"""
