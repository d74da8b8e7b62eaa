"""The admin service's directory of organisations and users, kept from the auth service's events.

Auth owns identities; this app keeps the copy administrators work on (list, filter, deactivate,
change role, delete) and publishes each change back so auth can act on it.
"""
