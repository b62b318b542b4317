"""Choice sets (TextChoices) of the 见证日志 app."""
