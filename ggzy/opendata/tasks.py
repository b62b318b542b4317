"""Background jobs of the 开放数据 app (none yet: packages are built on request)."""
