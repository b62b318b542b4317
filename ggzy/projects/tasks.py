"""Background jobs of the 交易项目 app: thin functions that take ids and call services."""
