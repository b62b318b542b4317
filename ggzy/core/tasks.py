"""Background jobs of the 基础设施 app: thin functions that take ids and call services."""
