"""SQL of the inventory API (reads and master-data writes; stock changes are in farm_erp.stock)."""
