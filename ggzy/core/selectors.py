"""Reads of the 基础设施 app that join or filter."""
