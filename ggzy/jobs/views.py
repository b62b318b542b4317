"""Pages of the 后台任务 app."""
