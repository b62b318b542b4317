"""Forms of the 后台任务 app."""
