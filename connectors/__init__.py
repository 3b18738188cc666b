"""Protocol adapters: each yields normalised items and a cursor (see base.py)."""
