"""Ordered SQL migrations (NNNN_name.sql), applied by farm_erp.migrate."""
