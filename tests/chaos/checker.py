"""The checker: after the load stopped and the system drained, every invariant, with its counts.

Sources of truth: the workload's history (what the services answered), each service's database
(read directly, as an auditor would), the dead-letter topics and the scraped counters. An
operation whose outcome is unknown (``info``: no answer) may have happened or not, never twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

from wanzo_common.ports import SERVICES


@dataclass
class Result:
    name: str
    counts: dict
    violations: list[str] = field(default_factory=list)
    informational: bool = False  # a known gap, reported with its counts, never a violation

    @property
    def ok(self) -> bool:
        return self.informational or not self.violations

    def line(self) -> str:
        shown = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        verdict = "info    " if self.informational else "held    " if self.ok else "VIOLATED"
        head = f"{verdict} {self.name}: {shown}"
        more = "".join(f"\n           - {v}" for v in self.violations[:8])
        if len(self.violations) > 8:
            more += f"\n           - ... {len(self.violations) - 8} more"
        return head + more


def query(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


class Checker:
    def __init__(self, *, db_urls: dict[str, str], history, poison: dict, dlq: dict,
                 scraper, handled_types: dict[str, set[str]]) -> None:  # fmt: skip
        self.db = db_urls
        self.history = history
        self.poison = poison  # poison id -> topic, as the broker acknowledged them
        self.dlq = dlq  # dlq topic -> list of (poison id or None)
        self.scraper = scraper
        self.handled_types = handled_types  # service -> event types its consumer group handles
        self.results: list[Result] = []

    def ops(self, service: str, method: str, path_start: str, path_end: str = "") -> list:
        return [
            op for op in self.history
            if op.service == service and op.method == method and op.path.startswith(path_start)
            and op.path.endswith(path_end)
        ]  # fmt: skip

    def run(self) -> list[Result]:
        for check in (self.sales, self.sale_round_trip, self.charges, self.postings,
                      self.ledger_balances, self.outbox, self.inbox, self.events_handled,
                      self.dead_letters,
                      self.users, self.request_counters, self.pushes):  # fmt: skip
            self.results.append(check())
        return self.results

    # --- sales ----------------------------------------------------------------------------

    def sales(self) -> Result:
        sent = {
            op.body["transaction_id"]: op for op in self.ops("app_mobile", "POST", "/api/sales/")
        }
        kinds = Counter(op.kind for op in sent.values())
        stored = {str(r[0]): r[1:] for r in query(self.db["app_mobile"],
                  "SELECT transaction_id, amount, currency, organization_id FROM mobile_sales_sale")}  # fmt: skip
        posted = defaultdict(list)
        for ref, org, currency, debit in query(self.db["accounting"], """
                SELECT e.source_reference, e.organization_id, e.currency, SUM(l.debit)
                FROM ledger_journalentry e JOIN ledger_journalline l ON l.entry_id = e.id
                WHERE e.source = 'transaction.created' GROUP BY e.id"""):  # fmt: skip
            posted[ref].append((org, currency, debit))
        bad = []
        for tid, op in sent.items():
            if op.kind == "ok" and tid not in stored:
                bad.append(f"sale {tid} accepted (201) but not in app_mobile")
            if op.kind == "fail" and op.status and op.status < 500 and tid in stored:
                bad.append(f"sale {tid} refused ({op.status}) but stored")
            if op.kind == "ok" and len(posted.get(tid, [])) != 1:
                bad.append(f"accepted sale {tid} posted {len(posted.get(tid, []))} times")
        for tid, (amount, currency, org) in stored.items():
            entries = posted.get(tid, [])
            if len(entries) != 1:
                bad.append(f"stored sale {tid} posted {len(entries)} times")
                continue
            e_org, e_currency, e_amount = entries[0]
            if (e_org, e_currency, Decimal(e_amount)) != (org, currency, Decimal(amount)):
                bad.append(f"sale {tid}: {amount} {currency} posted as {e_amount} {e_currency}")
            if tid in sent and Decimal(sent[tid].body["amount"]) != Decimal(amount):
                bad.append(f"sale {tid}: sent {sent[tid].body['amount']}, stored {amount}")
        for tid in posted:
            if tid not in stored or tid not in sent:
                bad.append(f"sale posting {tid} without an accepted sale")
        counts = {"sent": len(sent), "accepted": kinds["ok"], "refused": kinds["fail"],
                  "unknown": kinds["info"] + kinds["refused"], "stored": len(stored),
                  "posted": sum(len(v) for v in posted.values())}  # fmt: skip
        return Result("every accepted sale posted exactly once, with its amount and currency; "
                      "no sale posting without its sale", counts, bad)  # fmt: skip

    def sale_round_trip(self) -> Result:
        statuses = dict(query(self.db["app_mobile"],
                              "SELECT status, COUNT(*) FROM mobile_sales_sale GROUP BY status"))  # fmt: skip
        pending = statuses.get("pending", 0)
        bad = [f"{pending} sales still pending after the drain"] if pending else []
        return Result(
            "every stored sale completed (transaction.completed came back)",
            {k: statuses.get(k, 0) for k in ("completed", "failed", "pending")},
            bad,
        )

    # --- subscription charges -------------------------------------------------------------

    def charges(self) -> Result:
        subscriptions = {str(r[0]) for r in query(self.db["admin"],
                         "SELECT id FROM admin_subscriptions_subscription")}  # fmt: skip
        changes = {r[0] for r in query(self.db["admin"],
                   "SELECT event_id FROM wanzo_events_outbox WHERE type = 'subscription.changed'")}  # fmt: skip
        booked = Counter()
        for source, ref in query(self.db["accounting"], """SELECT source, source_reference
                FROM ledger_journalentry WHERE source LIKE 'subscription.%%'"""):  # fmt: skip
            booked[(source, ref)] += 1
        bad = []
        for sid in subscriptions:
            if booked[("subscription.created", sid)] != 1:
                n = booked[("subscription.created", sid)]
                bad.append(f"subscription {sid} charged {n} times")
        for eid in changes:
            if booked[("subscription.changed", eid)] != 1:
                bad.append(
                    f"plan change {eid} charged {booked[('subscription.changed', eid)]} times"
                )
        for source, ref in booked:
            cause = subscriptions if source == "subscription.created" else changes
            if ref not in cause:
                bad.append(f"{source} charge {ref} without a cause in admin")
        plan_ops = self.ops("admin", "POST", "/api/subscriptions/", "/change-plan/")
        kinds = Counter(op.kind for op in plan_ops)
        if not kinds["ok"] <= len(changes) <= len(plan_ops) - kinds["refused"]:
            bad.append(f"{len(changes)} plan changes in admin for {kinds['ok']} accepted "
                       f"and {len(plan_ops)} sent")  # fmt: skip
        counts = {"subscriptions": len(subscriptions), "plan changes accepted": kinds["ok"],
                  "plan changes unknown": kinds["info"], "plan change events": len(changes),
                  "charges booked": sum(booked.values())}  # fmt: skip
        return Result(
            "every subscription charge booked exactly once; none without its cause", counts, bad
        )

    # --- postings and the ledger ----------------------------------------------------------

    def postings(self) -> Result:
        sent = self.ops("accounting", "POST", "/api/journal-entries/")
        kinds = Counter(op.kind for op in sent)
        accepted = [op.answer["id"] for op in sent if op.kind == "ok" and op.status == 201]
        rows = Counter(str(r[0]) for r in query(self.db["accounting"],
                       "SELECT id FROM ledger_journalentry WHERE source = 'api'"))  # fmt: skip
        bad = [f"accepted posting {pk} stored {rows[pk]} times" for pk in accepted if rows[pk] != 1]
        total = sum(rows.values())
        # The unbalanced posting the workload sends on purpose expects its 400 (kind ok).
        balanced_sent = [op for op in sent if op.kind == "info" or op.status == 201]
        if not len(accepted) <= total <= len(balanced_sent):
            bad.append(f"{total} API postings stored for {len(accepted)} accepted, "
                       f"{len(balanced_sent)} possibly accepted")  # fmt: skip
        return Result("every accepted journal posting stored once; none that was refused",
                      {"sent": len(sent), "accepted": len(accepted),
                       "refused": len(sent) - len(accepted) - kinds["info"],
                       "unknown": kinds["info"], "stored": total}, bad)  # fmt: skip

    def ledger_balances(self) -> Result:
        db = self.db["accounting"]
        unbalanced = query(db, """SELECT e.id FROM ledger_journalentry e
            JOIN ledger_journalline l ON l.entry_id = e.id GROUP BY e.id
            HAVING SUM(l.debit) <> SUM(l.credit)""")  # fmt: skip
        trial = query(db, """SELECT e.organization_id, e.currency, SUM(l.debit), SUM(l.credit)
            FROM ledger_journalentry e JOIN ledger_journalline l ON l.entry_id = e.id
            GROUP BY e.organization_id, e.currency""")  # fmt: skip
        bad = [f"entry {r[0]} does not balance" for r in unbalanced]
        bad += [f"organisation {o} {c}: debits {d} credits {k}" for o, c, d, k in trial if d != k]
        lines = query(db, "SELECT COUNT(*), COUNT(DISTINCT account_id) FROM ledger_journalline")[0]
        orphans = query(db, """SELECT COUNT(*) FROM ledger_journalentry e WHERE NOT EXISTS
            (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = e.id)""")[0][0]  # fmt: skip
        if orphans:
            bad.append(f"{orphans} entries without lines")
        entries = query(db, "SELECT COUNT(*) FROM ledger_journalentry")[0][0]
        return Result("every entry and every organisation's trial balance balances",
                      {"entries": entries, "lines": lines[0], "accounts used": lines[1],
                       "organisation-currencies": len(trial)}, bad)  # fmt: skip

    # --- events ---------------------------------------------------------------------------

    def outbox(self) -> Result:
        counts, bad = {}, []
        for service in SERVICES:
            total, pending = query(self.db[service], """SELECT COUNT(*),
                COUNT(*) FILTER (WHERE sent_at IS NULL) FROM wanzo_events_outbox""")[0]  # fmt: skip
            counts[service] = f"{total - pending}/{total}"
            if pending:
                bad.append(f"{service}: {pending} outbox rows never sent")
        return Result("every outbox row sent (sent/written)", counts, bad)

    def inbox(self) -> Result:
        counts, bad = {}, []
        for service in SERVICES:
            rows = query(self.db[service], """SELECT "group", event_id, COUNT(*)
                FROM wanzo_events_inbox GROUP BY 1, 2 HAVING COUNT(*) > 1""")  # fmt: skip
            counts[service] = query(self.db[service], "SELECT COUNT(*) FROM wanzo_events_inbox")[0][
                0
            ]
            bad += [f"{service}: event {r[1]} handled {r[2]} times by {r[0]}" for r in rows]
        return Result("no event handled twice (inbox rows per service)", counts, bad)

    def events_handled(self) -> Result:
        """Every event in any outbox, handled by every service whose group handles its type."""
        published = []
        for service in SERVICES:
            published += query(self.db[service], "SELECT event_id, type FROM wanzo_events_outbox")
        bad, counts = [], {}
        for service, types in self.handled_types.items():
            inbox = {
                r[0] for r in query(self.db[service], "SELECT event_id FROM wanzo_events_inbox")
            }
            expected = [(eid, kind) for eid, kind in published if kind in types]
            missing = [(eid, kind) for eid, kind in expected if eid not in inbox]
            bad += [f"{service} never handled {kind} {eid}" for eid, kind in missing]
            counts[service] = f"{len(expected) - len(missing)}/{len(expected)}"
        return Result("every published event handled by every service that handles its type",
                      counts, bad)  # fmt: skip

    def dead_letters(self) -> Result:
        bad = []
        held = Counter()
        for topic, ids in self.dlq.items():
            for pid in ids:
                if pid is None or pid not in self.poison:
                    bad.append(f"{topic} holds a message the workload did not poison")
                held[pid] += 1
        groups = [t for t in self.dlq]
        for pid in self.poison:
            reached = sum(1 for t in groups if pid in self.dlq[t])
            if reached != len(groups):
                bad.append(f"poison {pid} reached {reached} of {len(groups)} dead-letter topics")
        counts = {"poison sent": len(self.poison), "dead-letter topics": len(groups),
                  "dead letters": sum(len(v) for v in self.dlq.values()),
                  "duplicates": sum(len(v) - len(set(v)) for v in self.dlq.values())}  # fmt: skip
        return Result(
            "dead-letter topics hold only the poison sent on purpose, all of it", counts, bad
        )

    # --- users ----------------------------------------------------------------------------

    def users(self) -> Result:
        auth = {str(r[0]): r[1] for r in query(self.db["auth"],
                "SELECT id, is_active FROM identity_user WHERE deleted_at IS NULL")}  # fmt: skip
        directory = dict(
            query(self.db["admin"], "SELECT user_id, status FROM admin_directory_userrecord")
        )
        active_devices = Counter(r[0] for r in query(self.db["app_mobile"],
                                 "SELECT user_id FROM mobile_devices_device WHERE active"))  # fmt: skip
        bad = []
        for uid, is_active in auth.items():
            status = directory.get(uid)
            if status is None:
                bad.append(f"user {uid} missing from admin's directory")
            elif status != ("active" if is_active else "inactive"):
                bad.append(f"user {uid}: auth active={is_active}, admin {status}")
            if not is_active and active_devices[uid]:
                bad.append(f"inactive user {uid} has {active_devices[uid]} active devices")
        for uid in directory:
            if uid not in auth:
                bad.append(f"directory user {uid} unknown to auth")
        ops = self.ops("admin", "POST", "/api/users/")
        kinds = Counter((op.path.rsplit("/", 2)[-2], op.kind) for op in ops)
        inactive = sum(1 for v in auth.values() if not v)
        return Result("admin's directory, auth's users and app_mobile's devices agree",
                      {"users": len(auth), "inactive": inactive,
                       "deactivations accepted": kinds[("deactivate", "ok")],
                       "reactivations accepted": kinds[("reactivate", "ok")]}, bad)  # fmt: skip

    def pushes(self) -> Result:
        """A push is delivered after its transaction commits, once: a delivery that meets a
        crash or a database restart leaves its notification pending (no sweeper retries it)."""
        results = dict(query(self.db["app_mobile"],
                             "SELECT result, COUNT(*) FROM mobile_push_notification GROUP BY 1"))  # fmt: skip
        return Result("push notifications left pending (known gap: no retry of a delivery)",
                      results, informational=True)  # fmt: skip

    # --- counters -------------------------------------------------------------------------

    def request_counters(self) -> Result:
        bad, counts = [], {}
        for service in SERVICES:
            epochs = self.scraper.epochs[service]
            ops = [op for op in self.history if op.service == service]
            answered = sum(1 for op in ops if op.kind in ("ok", "fail"))
            unknown = sum(1 for op in ops if op.kind == "info")
            counted = 0.0
            for number, epoch in sorted(epochs.items()):
                for before, after in epoch.decreases:
                    bad.append(f"{service} epoch {number}: {before:.0f} -> {after:.0f}")
                if epoch.final is None:
                    bad.append(f"{service} epoch {number} ended without a final reading")
                else:
                    counted += epoch.final
            if not answered <= counted <= answered + unknown:
                bad.append(f"{service}: counted {counted:.0f}, answered {answered} "
                           f"(+ {unknown} unanswered)")  # fmt: skip
            scrapes = sum(len(e.readings) for e in epochs.values())
            counts[service] = (f"counted {counted:.0f} = answered {answered} (+{unknown} "
                               f"unanswered), {len(epochs)} epochs, {scrapes} scrapes")  # fmt: skip
        return Result(
            "http_requests_total never decreased and equals the requests made", counts, bad
        )
