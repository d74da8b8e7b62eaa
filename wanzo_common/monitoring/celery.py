"""Metrics in Celery workers: an exporter in the worker's main process, task metrics in all.

``wanzo_common.celery.make_celery_app`` enables multiprocess mode for worker processes before
Django loads, so prefork children write to files the main process's exporter sums. Children
that exit are folded by the exporter at the next scrape.
"""

from __future__ import annotations

from time import perf_counter

from celery import signals

from wanzo_common.monitoring import multiprocess
from wanzo_common.monitoring.metrics import counter, histogram

TASKS = counter(
    "celery_tasks_total", "Celery tasks finished, by task name and state.", labels=("task", "state")
)
TASK_DURATION = histogram(
    "celery_task_duration_seconds", "Time to run a Celery task, by task name.", labels=("task",)
)
_started: dict[str, float] = {}
_exporter = None


@signals.worker_init.connect
def _start_exporter(sender=None, **kwargs) -> None:
    global _exporter
    from wanzo_common.monitoring.exporter import start_exporter

    if _exporter is None:
        _exporter = start_exporter(setting="CELERY_PORT", label="Celery metrics exporter")


@signals.worker_shutdown.connect
def _remove_directory(sender=None, **kwargs) -> None:
    """Remove the directory ``prepare_celery_worker`` made for this worker (not one set by hand)."""
    multiprocess.remove_if_ours(multiprocess.directory())


@signals.task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = perf_counter()


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    start = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    TASKS.labels(name, state or "UNKNOWN").inc()
    if start is not None:
        TASK_DURATION.labels(name).observe(perf_counter() - start)
