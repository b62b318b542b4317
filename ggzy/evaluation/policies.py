"""Evaluation (评标评审): built in the tendering part 2 issue; the scoring formulas come first (scoring.py)."""
