"""Importing a list from a spreadsheet: upload, read, judge each row, preview, commit all or
nothing; removing a mistaken import from a draft.
"""
