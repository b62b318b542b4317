"""Writes of the 基础设施 app: one `<entity>_<verb>` function per act."""
