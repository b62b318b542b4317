"""Forms of the 见证日志 app."""
