"""Who may do what in the 信息公开 app."""
