"""Settings for the tests of wanzo_common: a minimal service named "testsvc"."""

from pathlib import Path

from wanzo_common.ports import ServicePorts
from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent

globals().update(
    build(
        service="testsvc",
        base_dir=BASE_DIR,
        ports=ServicePorts(app=8099, metrics=9499, celery=9599, events=0),
    )
)

ROOT_URLCONF = "tests.urls"
INSTALLED_APPS += ["tests.testapp"]  # noqa: F821
# No broker in most tests: the mock transport, opted in with DEBUG false (wanzo_events.E006).
WANZO_EVENTS = {**WANZO_EVENTS, "ALLOW_MOCK": True}  # noqa: F821
