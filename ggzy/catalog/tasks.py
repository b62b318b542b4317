"""Background jobs of the 交易目录 app: thin functions that take ids and call services."""
