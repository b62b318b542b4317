"""Background jobs of the 主体与账户 app: thin functions that take ids and call services."""
