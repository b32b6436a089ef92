"""Helpers with no domain of their own: sealed files, CSV writing, client addresses, log
masking.
"""
