"""Domain metrics of the accounting service.

Labels are bounded: account *type* and currency, never an account id (the original labelled
balances by account id, one series per account).
"""

from wanzo_common.monitoring import counter, gauge, histogram

JOURNAL_ENTRIES_CREATED = counter(
    "journal_entries_created_total",
    "Journal entries created, by journal type and status.",
    labels=("journal_type", "status"),
)
TRANSACTION_VALUE = histogram(
    "transaction_value",
    "Amounts of recorded transactions, in the transaction's currency.",
    labels=("transaction_type", "currency"),
    buckets=(10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000),
)
ACCOUNT_BALANCE = gauge(
    "account_balance",
    "Total balance of accounts, by account type and currency.",
    labels=("account_type", "currency"),
    mode="mostrecent",
)
