"""Plans and the subscriptions of organisations to them, with an explicit state machine."""
