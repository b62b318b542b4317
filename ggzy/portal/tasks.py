"""Background jobs of the 门户 app: thin functions that take ids and call services."""
