"""Reads of the 后台任务 app that join or filter."""
