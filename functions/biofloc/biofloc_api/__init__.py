"""Biofloc function: tanks, fish batches, feeding, water quality, harvests and cycle costs."""
