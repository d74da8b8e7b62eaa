"""The default chart of accounts every organisation starts with.

Created on first need (the first request or event that touches an organisation's books), so no
service has to tell accounting that an organisation exists. Event bookings find their accounts
by these codes; since accounts are never deleted and the whole chart is created in one
statement, the codes below always exist once the cash account does.
"""

from __future__ import annotations

from typing import NamedTuple

from ledger.models import AccountType


class DefaultAccount(NamedTuple):
    code: str
    name: str
    type: AccountType


CASH = "1000"
RECEIVABLES = "1100"
PAYABLES = "2000"
EQUITY = "3000"
SALES_REVENUE = "4000"
SUBSCRIPTION_EXPENSE = "6100"

DEFAULT_CHART: tuple[DefaultAccount, ...] = (
    DefaultAccount(CASH, "Cash", AccountType.ASSET),
    DefaultAccount(RECEIVABLES, "Accounts receivable", AccountType.ASSET),
    DefaultAccount("1200", "Inventory", AccountType.ASSET),
    DefaultAccount(PAYABLES, "Accounts payable", AccountType.LIABILITY),
    DefaultAccount("2100", "Taxes payable", AccountType.LIABILITY),
    DefaultAccount(EQUITY, "Owner's equity", AccountType.EQUITY),
    DefaultAccount("3100", "Retained earnings", AccountType.EQUITY),
    DefaultAccount(SALES_REVENUE, "Sales revenue", AccountType.INCOME),
    DefaultAccount("4900", "Other income", AccountType.INCOME),
    DefaultAccount("5000", "Cost of goods sold", AccountType.EXPENSE),
    DefaultAccount(SUBSCRIPTION_EXPENSE, "Subscription expense", AccountType.EXPENSE),
    DefaultAccount("6900", "General expenses", AccountType.EXPENSE),
)
