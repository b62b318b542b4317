"""Who may do what in the 门户 app."""
