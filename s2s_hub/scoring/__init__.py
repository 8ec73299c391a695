"""What a task judges outputs with: metrics of decoded text (``metrics.py``), the
trivial baselines a model must beat (``baselines.py``), and a model's scores of
given targets (``targets.py``)."""
