"""Pairs, readers, tokenized datasets and length buckets."""
