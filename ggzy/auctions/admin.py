"""The Django admin is not installed: back-office pages call services (see docs/architecture.md)."""
