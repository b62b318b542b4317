"""API schemas of the 后台任务 app."""
