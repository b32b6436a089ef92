"""The REST API for credit platforms (`/api/v1/`): thin views over the platforms' services."""
