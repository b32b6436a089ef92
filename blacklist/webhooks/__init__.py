"""Webhooks: platforms' subscriptions, the outbox of signed deliveries and their retries."""
