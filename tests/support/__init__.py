"""Shared test support: the embedded database, the in-process gateway client and data factories."""
