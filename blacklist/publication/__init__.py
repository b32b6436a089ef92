"""The notice workflow: approval by a second official, scheduled publication, withdrawal,
revocation, the clock that starts and ends terms (services); the monthly digest.
"""
