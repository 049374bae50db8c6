"""The scheduled reservation-expiry job (every 15 minutes)."""
