"""Fordra: Swedish debt collection (inkasso), end to end."""
