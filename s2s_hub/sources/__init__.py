"""Readers of the original data sources, one module each: raw files in, records out.

A reader only reads: it knows a source's format and its filters, and yields plain
``dict`` records. Deduplication, splitting and writing live in ``splitting.py``; what a
task makes of the records lives in the task's own file under ``tasks/``.
"""
