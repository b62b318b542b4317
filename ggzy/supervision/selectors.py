"""Reads of the 行政监督 app that join or filter."""
