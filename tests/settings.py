"""Settings for the tests of wanzo_common: a minimal service named "testsvc"."""

from pathlib import Path

from wanzo_common.api.keys import throwaway_secret_key, with_test_keys
from wanzo_common.ports import ServicePorts
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent

globals().update(
    build(
        service="testsvc",
        base_dir=BASE_DIR,
        ports=ServicePorts(app=8099, metrics=9499, celery=9599, events=0, relay=0),
    )
)

ROOT_URLCONF = "tests.urls"
INSTALLED_APPS += ["tests.testapp"]  # noqa: F821
# No broker in most tests: the mock transport, opted in with DEBUG false (wanzo_events.E006).
WANZO_EVENTS = {**WANZO_EVENTS, "ALLOW_MOCK": True}  # noqa: F821
# The test project also speaks HTTP basic auth (the active_users tests log in with it).
REST_FRAMEWORK = {  # noqa: F821
    **REST_FRAMEWORK,  # noqa: F821
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wanzo_common.api.authentication.JWTAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}
SIMPLE_JWT = with_test_keys(SIMPLE_JWT)  # noqa: F821
SECRET_KEY = throwaway_secret_key()  # no fallback with DEBUG off (wanzo_api.E008)
# Revocations read on every request: no process copy outlives a test's rolled-back rows.
WANZO_API = {**WANZO_API, "REVOCATION_CACHE_SECONDS": 0}  # noqa: F821
