"""The register of who is listed: subjects, notices, entries, programmes and authorities;
ID numbers and names (identity), putting subjects on a notice (listing, bulk) and the one
public rule (selectors).
"""
