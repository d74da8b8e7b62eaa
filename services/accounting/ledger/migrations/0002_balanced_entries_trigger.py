"""PostgreSQL holds the double-entry rules itself, for code that bypasses ledger.services.

A constraint trigger, DEFERRABLE INITIALLY DEFERRED, runs at COMMIT for every new line and
entry and refuses the transaction unless the entry's debits equal its credits, are above zero,
and use accounts of the entry's organisation. Deferred, because the lines of an entry are
inserted one statement at a time and only the whole is balanced. A second trigger refuses any
UPDATE or DELETE of posted entries and lines: the books are append-only (a reversal entry undoes
a mistake). Both raise SQLSTATE class 23 errors, which Django raises as ``IntegrityError``.

SQLite has no deferred triggers: there the service code (and the table constraints) are the
only guard, which is fine for development and tests.
"""

from django.db import migrations

from ledger.migrations import PostgreSQLOnly

CREATE = r"""
CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    checked uuid;
    debits numeric;
    credits numeric;
BEGIN
    IF TG_TABLE_NAME = 'ledger_journalentry' THEN
        checked := NEW.id;
    ELSE
        checked := NEW.entry_id;
    END IF;
    SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0) INTO debits, credits
        FROM ledger_journalline WHERE entry_id = checked;
    IF debits = 0 AND credits = 0 THEN
        RAISE EXCEPTION 'journal entry % has no amounts', checked
            USING ERRCODE = 'check_violation';
    END IF;
    IF debits <> credits THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % and credits % differ by %',
            checked, debits, credits, abs(debits - credits)
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM ledger_journalline line
        JOIN ledger_account account ON account.id = line.account_id
        JOIN ledger_journalentry entry ON entry.id = line.entry_id
        WHERE line.entry_id = checked AND account.organization_id <> entry.organization_id
    ) THEN
        RAISE EXCEPTION 'journal entry % uses an account of another organisation', checked
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_journalline_balanced
    AFTER INSERT OR UPDATE ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE CONSTRAINT TRIGGER ledger_journalentry_balanced
    AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never updated or deleted: post a reversal entry', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_journalentry_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_journalline_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

DROP = r"""
DROP TRIGGER ledger_journalline_append_only ON ledger_journalline;
DROP TRIGGER ledger_journalentry_append_only ON ledger_journalentry;
DROP FUNCTION ledger_refuse_change();
DROP TRIGGER ledger_journalentry_balanced ON ledger_journalentry;
DROP TRIGGER ledger_journalline_balanced ON ledger_journalline;
DROP FUNCTION ledger_check_entry_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [PostgreSQLOnly(CREATE, reverse_sql=DROP)]
