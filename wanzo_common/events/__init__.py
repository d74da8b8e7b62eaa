"""Typed CloudEvents over Kafka (or an in-memory broker), with a transactional outbox."""
