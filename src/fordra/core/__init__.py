"""Shared Django-side infrastructure: set-based reads and bulk writes, number sequences."""
