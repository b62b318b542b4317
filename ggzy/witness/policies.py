"""Who may do what in the 见证日志 app."""
