"""Models of the 行政监督 app."""
