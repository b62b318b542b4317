"""Background jobs of the 行政监督 app: thin functions that take ids and call services."""
