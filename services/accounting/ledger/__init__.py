"""The accounting service's ledger: a per-organisation double-entry journal.

Writes live in :mod:`ledger.services`, reads in :mod:`ledger.selectors`; the views and the event
handlers only translate HTTP requests and events into calls to them.
"""
