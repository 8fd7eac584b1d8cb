"""Simulation: a synthetic portfolio run day by day under a payment-behaviour model."""
