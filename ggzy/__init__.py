"""GGZY: the public resource trading platform."""
