"""API schemas of the 门户 app."""
