"""Writes of the 开放数据 app (none: OCDS is derived from the other apps' state, never stored)."""
