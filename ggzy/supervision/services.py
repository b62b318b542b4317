"""Writes of the 行政监督 app: one `<entity>_<verb>` function per act."""
