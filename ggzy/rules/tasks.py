"""Background jobs of the 规则与工作日 app: thin functions that take ids and call services."""
