"""Forms of the 开放数据 app (none: the open data is read-only)."""
