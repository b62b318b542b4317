"""Choice sets (TextChoices) of the 行政监督 app."""
