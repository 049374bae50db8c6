"""The cold-start floor: the smallest function built from the same framework as the module functions."""
