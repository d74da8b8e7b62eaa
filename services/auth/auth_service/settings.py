"""Settings of the auth service: the shared base plus what is the service's own."""

from pathlib import Path

from wanzo_common.settings import build

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(build(service="auth", base_dir=BASE_DIR))  # ports: wanzo_common.ports

INSTALLED_APPS += ["auth_service.apps.ServiceConfig"]  # noqa: F821  (defined by build())
