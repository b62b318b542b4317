"""Who may do what in the 行政监督 app."""
