"""Rules of the inventory API: each function receives the request's connection and raises core errors."""
