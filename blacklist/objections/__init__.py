"""Objections (异议): a citizen contests an entry, officials review, reject or uphold it."""
