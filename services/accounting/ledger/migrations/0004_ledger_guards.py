"""PostgreSQL guards the rest of the books, for code that bypasses ledger.services.

- An entry's lines are written in the transaction that wrote the entry: a line added to an
  entry committed earlier is refused. The entry row's ``xmin`` (the transaction, or savepoint,
  that inserted it) must still be *in progress*, which only our own transaction can be; one
  statement-level trigger checks every row an INSERT adds (a transition table), so a posting's
  ``bulk_create`` costs one query, not one per line.
- A line's account holds the entry's currency (or any currency, when the account has none).
- An account's organisation, type and currency are fixed once it has lines: changing them would
  rewrite every balance and report already given.
- A reversal reverses an entry of its own organisation.

Each refusal raises an SQLSTATE class 23 error (Django's ``IntegrityError``). SQLite has no
such triggers: there the service code is the guard (see 0002).
"""

from django.db import migrations

from ledger.migrations import PostgreSQLOnly

CREATE = r"""
CREATE FUNCTION ledger_inserted_by_this_transaction(row_xmin xid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    -- xmin is a 32-bit xid; pg_xact_status wants the 64-bit one. The row's xid is within 2^31
    -- of the current one (a savepoint's is above it, an old row's below): widen by that gap.
    now_xid bigint := pg_current_xact_id()::text::bigint;
    gap bigint := (row_xmin::text::bigint - (now_xid & 4294967295) + 4294967296) % 4294967296;
    full_xid bigint;
BEGIN
    IF gap >= 2147483648 THEN
        gap := gap - 4294967296;
    END IF;
    full_xid := now_xid + gap;
    -- A row we can see whose transaction is in progress was inserted by ours (or a savepoint).
    RETURN full_xid > 2 AND pg_xact_status(full_xid::text::xid8) = 'in progress';
END;
$$;

CREATE FUNCTION ledger_check_new_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT added.entry_id INTO bad FROM added
        LEFT JOIN ledger_journalentry entry ON entry.id = added.entry_id
        WHERE entry.id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not exist: insert the entry before its lines',
            bad.entry_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT entry.id INTO bad FROM added
        JOIN ledger_journalentry entry ON entry.id = added.entry_id
        WHERE NOT ledger_inserted_by_this_transaction(entry.xmin)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % was posted in an earlier transaction: its lines are '
            'final (post a new entry or a reversal)', bad.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    SELECT entry.id, entry.currency, account.code, account.currency AS held INTO bad FROM added
        JOIN ledger_journalentry entry ON entry.id = added.entry_id
        JOIN ledger_account account ON account.id = added.account_id
        WHERE account.currency IS NOT NULL AND account.currency <> entry.currency
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % is in % but account % holds % only',
            bad.id, bad.currency, bad.code, bad.held USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ledger_journalline_guard
    AFTER INSERT ON ledger_journalline
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_new_lines();

CREATE FUNCTION ledger_check_account_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_journalline WHERE account_id = OLD.id) THEN
        RAISE EXCEPTION 'account % has lines: its organisation, type and currency are final',
            OLD.code USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_account_fixed_once_used
    BEFORE UPDATE ON ledger_account
    FOR EACH ROW
    WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.type IS DISTINCT FROM NEW.type
          OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION ledger_check_account_change();

CREATE FUNCTION ledger_check_reversal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM ledger_journalentry
        WHERE id = NEW.reversal_of_id AND organization_id = NEW.organization_id
    ) THEN
        RAISE EXCEPTION 'entry % reverses entry %, which is not an entry of its organisation',
            NEW.id, NEW.reversal_of_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_journalentry_reversal_same_org
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW
    WHEN (NEW.reversal_of_id IS NOT NULL)
    EXECUTE FUNCTION ledger_check_reversal();
"""

DROP = r"""
DROP TRIGGER ledger_journalentry_reversal_same_org ON ledger_journalentry;
DROP FUNCTION ledger_check_reversal();
DROP TRIGGER ledger_account_fixed_once_used ON ledger_account;
DROP FUNCTION ledger_check_account_change();
DROP TRIGGER ledger_journalline_guard ON ledger_journalline;
DROP FUNCTION ledger_check_new_lines();
DROP FUNCTION ledger_inserted_by_this_transaction(xid);
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_entry_fingerprint")]

    operations = [PostgreSQLOnly(CREATE, reverse_sql=DROP)]
