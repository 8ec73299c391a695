"""Pairs, readers, tokenized datasets, length buckets and the Lightning data module."""
