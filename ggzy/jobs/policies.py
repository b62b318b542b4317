"""Who may do what in the 后台任务 app."""
