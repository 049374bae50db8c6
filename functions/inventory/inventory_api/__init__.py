"""The inventory function: items, lots, the stock ledger, reservations, purchase orders, alerts and exports."""
