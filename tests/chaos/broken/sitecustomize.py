"""A deliberately broken relay, for the test that proves the checker catches lost events.

Put on ``PYTHONPATH`` of the soak's processes only by ``test_chaos.py`` (never by the product,
never by a setting): in ``relay_outbox`` processes, the Kafka transport's ``send`` swallows the
broker's refusal, so the relay marks rows sent that the broker never acknowledged (acks=0,
"fire and forget"). Every event relayed while Kafka is down is lost; the checker must say so.
"""

import importlib.abc
import importlib.machinery
import sys

TARGET = "wanzo_common.events.transports.kafka"


def _break(module) -> None:
    send = module.Transport.send

    def fire_and_forget(self, messages, *, timeout=10.0):
        try:
            send(self, messages, timeout=timeout)
        except module.DeliveryError:
            pass

    module.Transport.send = fire_and_forget


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            _break(module)

        spec.loader.exec_module = patched
        return spec


if "relay_outbox" in sys.argv:
    sys.meta_path.insert(0, _Finder())
