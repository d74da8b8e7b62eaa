"""What monitoring costs a request, a query and a scrape. Run from the repo root:

    .venv/bin/python bench/http_overhead.py            # full run (5 to 15 minutes)
    .venv/bin/python bench/http_overhead.py --quick    # short run, same sections

1. HTTP: a trivial view served through Django's ``WSGIHandler`` (called directly, no network)
   with no monitoring, with our ``PrometheusMiddleware`` (and the query interceptor installed),
   with ours plus ``RequestIDMiddleware``, and with django-prometheus's two middlewares.
2. SQL: ``SELECT 1`` on in-memory SQLite without and with our ``DatabaseMetricsInterceptor``,
   and through django-prometheus's wrapped ENGINE.
   2b. The parts of django-prometheus we do use: ``ExportModelOperationsMixin`` on ``save()``,
   its cache backend on ``cache.get``.
3. Scrape: a real gunicorn with 4 workers; scrape time of ``PROMETHEUS_PORT`` before and after
   1,000 worker recycles (``max_requests=1``).

Sections 1-2 run twice, each in a fresh process: with prometheus_client in single-process
mode (runserver) and in multiprocess mode (gunicorn, Celery), where every metric update is a
write to an mmap'd file. Variants are timed in interleaved rounds (see ``_timing``); figures are
medians, and an added cost is the median over rounds of (variant - baseline) in the same round.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile

GOAL_VS_DJANGO_PROMETHEUS = 0.25
GOAL_VS_BARE = 0.15
GOAL_PER_QUERY = 5e-6
GOAL_SCRAPE_RATIO = 2.0
MODES = ("single", "multiprocess")


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def http_section(*, rounds: int, per_round: int) -> None:
    import _django_bench_settings as bench
    from _timing import added_note, interleaved, paired_added, row, verdict

    from wanzo_common.monitoring import db

    db.install()  # "ours" is all of our hot path: the interceptor is on every connection
    base = bench.base_middleware()
    stacks = {
        "bare": base,
        "ours": [bench.OUR_MIDDLEWARE, *base],
        "ours+request-id": [bench.OUR_MIDDLEWARE, bench.REQUEST_ID_MIDDLEWARE, *base],
        "django-prometheus": [bench.DP_BEFORE, *base, bench.DP_AFTER],
    }
    runners = {}
    for name, stack in stacks.items():
        handler = bench.make_handler(stack)
        bench.check_handler(handler)
        runners[name] = bench.request_runner(handler)
    print(f"\n[1] HTTP: trivial view via WSGIHandler, {rounds} rounds x {per_round} requests")
    print(f"    every variant also runs: {', '.join(m.rsplit('.', 1)[1] for m in base)}")
    results = interleaved(runners, rounds=rounds, per_round=per_round)
    added = {name: paired_added(results, name, "bare") for name in stacks}
    for name in stacks:
        note = added_note(results, name, "bare") if name != "bare" else ""
        row(f"{name}: median per request", _us(results[name].median), note)
    bare = results["bare"].median
    for name, goals in (("ours", True), ("ours+request-id", False)):
        vs_theirs, vs_bare = added[name] / added["django-prometheus"], added[name] / bare
        if goals:
            note_theirs = f"goal <= {GOAL_VS_DJANGO_PROMETHEUS}  " + verdict(
                vs_theirs, GOAL_VS_DJANGO_PROMETHEUS
            )
            note_bare = f"goal <= {GOAL_VS_BARE}  {verdict(vs_bare, GOAL_VS_BARE)}"
        else:
            note_theirs = note_bare = "(info)"
        row(f"{name} added / django-prometheus added", f"{vs_theirs:.3f}", note_theirs)
        row(f"{name} added / bare request", f"{vs_bare:.3f}", note_bare)


def sql_section(*, rounds: int, per_round: int) -> None:
    from _timing import added_note, interleaved, paired_added, row, verdict
    from django.db import connections

    from wanzo_common.monitoring.db import INTERCEPTOR

    plain, swapped = connections["default"], connections["engine_swap"]
    for connection in (plain, swapped):
        connection.ensure_connection()
        while INTERCEPTOR in connection.execute_wrappers:
            connection.execute_wrappers.remove(INTERCEPTOR)

    def runner(connection, *, ours: bool):
        def run(n: int) -> None:
            if ours:
                connection.execute_wrappers.append(INTERCEPTOR)
            try:
                for _ in range(n):  # a cursor per query, as the ORM does
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
            finally:
                if ours:
                    connection.execute_wrappers.remove(INTERCEPTOR)

        return run

    runners = {
        "no timing": runner(plain, ours=False),
        "ours (execute_wrapper)": runner(plain, ours=True),
        "django-prometheus (ENGINE swap)": runner(swapped, ours=False),
    }
    print(f"\n[2] SQL: SELECT 1, in-memory SQLite, {rounds} rounds x {per_round} queries")
    results = interleaved(runners, rounds=rounds, per_round=per_round)
    for name in runners:
        note = added_note(results, name, "no timing") if name != "no timing" else ""
        row(f"{name}: per query", _us(results[name].median), note)
    ours = paired_added(results, "ours (execute_wrapper)", "no timing")
    row("ours: added per query", _us(ours),
        f"goal <= {GOAL_PER_QUERY * 1e6:.0f} µs  {verdict(ours, GOAL_PER_QUERY)}")  # fmt: skip


def django_prometheus_section(*, rounds: int, per_round: int) -> None:
    """The parts of django-prometheus we do use, and what they add to the operation."""
    import _django_bench_settings as bench
    from _timing import added_note, interleaved, row
    from django.core.cache import caches

    plain_model, counted_model = bench.make_models()
    plain_cache, counted_cache = caches["default"], caches["prometheus"]
    plain_cache.set("k", "v")
    counted_cache.set("k", "v")

    def saves(model):
        return lambda n: [model(name="x").save() for _ in range(n)]

    def gets(cache):
        return lambda n: [cache.get("k") for _ in range(n)]

    print(f"\n[2b] django-prometheus where we use it, {rounds} rounds x {per_round} operations")
    for title, variants in (
        ("model save() (INSERT)", {"plain": saves(plain_model), "mixin": saves(counted_model)}),
        ("cache.get (locmem, hit)", {"plain": gets(plain_cache), "mixin": gets(counted_cache)}),
    ):
        results = interleaved(variants, rounds=rounds, per_round=per_round)
        label = "ExportModelOperationsMixin" if "save" in title else "django-prometheus backend"
        row(f"{title}: plain", _us(results["plain"].median))
        row(
            f"{title}: {label}", _us(results["mixin"].median), added_note(results, "mixin", "plain")
        )
    try:
        caches["redis"].set("k", "v")
    except Exception as exc:  # no Redis here: the figure is context, not a result
        row("cache.get (Redis, for scale)", "skipped", type(exc).__name__)
        return
    results = interleaved({"redis": gets(caches["redis"])}, rounds=rounds, per_round=per_round)
    row("cache.get (Django's RedisCache, local, for scale)", _us(results["redis"].median))


def run_in_process_sections(args: argparse.Namespace) -> None:
    """Sections 1-2 in this process, in ``args.mode`` (set before prometheus_client loads)."""
    with tempfile.TemporaryDirectory(prefix="wanzo-bench-mp-") as mp_dir:
        if args.mode == "multiprocess":
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = mp_dir
        else:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        import _django_bench_settings

        _django_bench_settings.configure()
        print(f"\n=== prometheus_client in {args.mode} mode ===")
        http_section(rounds=args.rounds, per_round=args.requests)
        sql_section(rounds=args.rounds, per_round=args.queries)
        django_prometheus_section(rounds=args.rounds, per_round=args.queries // 5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 100 recycles")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 15, quick 7)")
    parser.add_argument("--recycles", type=int, help="worker recycles (default 1000, quick 100)")
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both",
                        help="prometheus_client mode of sections 1-2 (default: both)")  # fmt: skip
    parser.add_argument("--skip-scrape", action="store_true", help="skip section 3")
    parser.add_argument("--only-scrape", action="store_true", help="run section 3 only")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (7 if args.quick else 15)
    args.recycles = args.recycles or (100 if args.quick else 1000)
    args.requests = 500 if args.quick else 2000
    args.queries = 1000 if args.quick else 5000
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if args.mode != "both":
        run_in_process_sections(args)
        return
    import django

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Python {platform.python_version()}, Django {django.get_version()}, "
          f"{os.cpu_count()} CPUs, load average {load} at start")  # fmt: skip
    if not args.only_scrape:
        for mode in MODES:  # a fresh process each: the mode is fixed when prometheus_client loads
            command = [sys.executable, __file__, "--mode", mode, "--rounds", str(args.rounds)]
            subprocess.run(command + (["--quick"] if args.quick else []), check=True)
    if not args.skip_scrape:
        from _scrape import scrape_section

        scrape_section(recycles=args.recycles, goal=GOAL_SCRAPE_RATIO)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average {load} at the end (figures are noisier on a busy machine)")


if __name__ == "__main__":
    main()
