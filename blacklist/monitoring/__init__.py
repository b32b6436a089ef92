"""Monitoring: a platform's own customers, kept only as keyed hashes, and the `monitor.hit`
webhooks that tell it, by its own reference, when one of them is listed or leaves the list."""
