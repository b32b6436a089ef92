"""Credit platforms: clients and API keys (clients), what they may read, screening checks
and lookups (services).
"""
