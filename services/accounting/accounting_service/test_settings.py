"""Settings of the accounting service's test suite: its settings, on the mock transport by choice.

The suite runs without a broker and with ``DEBUG`` false, where the mock transport is a system
check error (``wanzo_events.E006``): the tests opt in explicitly, the service never does.
"""

from accounting_service.settings import *  # noqa: F403
from wanzo_common.api.keys import throwaway_secret_key, with_test_keys

WANZO_EVENTS = {**WANZO_EVENTS, "ALLOW_MOCK": True}  # noqa: F405

# Tokens signed and verified with a key pair made for this test run (the auth service's role).
SIMPLE_JWT = with_test_keys(SIMPLE_JWT)  # noqa: F405
SECRET_KEY = throwaway_secret_key()  # no fallback with DEBUG off (wanzo_api.E008)
# Revocations read on every request: no process copy outlives a test's rolled-back rows.
WANZO_API = {**WANZO_API, "REVOCATION_CACHE_SECONDS": 0}  # noqa: F405
# Tests hash many passwords: the cheapest hasher (production's Argon2 has its own test).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Every posting refreshes the account_balance gauge, so tests can assert it.
LEDGER_BALANCE_GAUGE_INTERVAL = 0.0
