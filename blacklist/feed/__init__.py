"""The change feed: one numbered event for every change of a listed entry (changes), the
sequence platforms follow.
"""
