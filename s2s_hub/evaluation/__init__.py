"""Judging a model: scoring a predictor on a split (``run.py``), and choosing its
decoding settings on dev (``tuning.py``)."""
