"""Choice sets (TextChoices) of the 开放数据 app (none: the OCDS codelists live in ocds.py)."""
