"""Shared code of every Farm ERP function: settings, database, security, access, API plumbing, stock ledger."""

__version__ = "1.0.0"
