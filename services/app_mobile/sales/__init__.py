"""Sales recorded on the phone: each publishes ``transaction.created`` for accounting to book."""
