"""The shared service contract, run in this service's settings."""

from wanzo_common.service_tests import *  # noqa: F401,F403
