"""Snapshots: the list written out as CSV, JSON and FollowTheMoney files per audience,
sealed at rest where they reveal, and served as downloads.
"""
