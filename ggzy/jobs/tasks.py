"""Background jobs of the 后台任务 app: thin functions that take ids and call services."""
