"""Background jobs of the 信息公开 app: thin functions that take ids and call services."""
