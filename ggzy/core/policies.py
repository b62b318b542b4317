"""Who may do what in the 基础设施 app."""
