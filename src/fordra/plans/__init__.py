"""Installment plans (avbetalningsplaner): proposal, approval, schedule with OCR per installment, monitoring."""
