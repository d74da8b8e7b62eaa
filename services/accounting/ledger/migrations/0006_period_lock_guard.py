"""PostgreSQL holds the period lock too: no entry dated in a closed period, no reopening.

A row trigger on new entries reads the organisation's lock ``FOR SHARE``: an owner closing a
period (``ledger.periods.period_lock_set`` locks the row for update) waits for the postings in
flight to commit, and a posting that starts after the close sees it, so no entry can slip into
a period while it is being closed (the service's own check runs before its transaction). A
second trigger lets the lock move forward only, and never be deleted.
"""

from django.db import migrations

from ledger.migrations import PostgreSQLOnly

CREATE = r"""
CREATE FUNCTION ledger_check_period_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed_through date;
BEGIN
    SELECT locked_through INTO closed_through FROM ledger_periodlock
        WHERE organization_id = NEW.organization_id FOR SHARE;
    IF FOUND AND NEW.date <= closed_through THEN
        RAISE EXCEPTION 'entry % is dated %, in a period closed through %',
            NEW.id, NEW.date, closed_through USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_journalentry_period_open
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_check_period_open();

CREATE FUNCTION ledger_refuse_reopening() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.locked_through < OLD.locked_through
       OR NEW.organization_id <> OLD.organization_id THEN
        RAISE EXCEPTION 'the books of % are closed through %: a closed period is not reopened',
            OLD.organization_id, OLD.locked_through USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_periodlock_forward_only
    BEFORE UPDATE OR DELETE ON ledger_periodlock
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_reopening();
"""

DROP = r"""
DROP TRIGGER ledger_periodlock_forward_only ON ledger_periodlock;
DROP FUNCTION ledger_refuse_reopening();
DROP TRIGGER ledger_journalentry_period_open ON ledger_journalentry;
DROP FUNCTION ledger_check_period_open();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_period_lock")]

    operations = [PostgreSQLOnly(CREATE, reverse_sql=DROP)]
