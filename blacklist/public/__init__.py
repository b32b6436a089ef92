"""The public site: pages, search, statistics and the objection form."""
