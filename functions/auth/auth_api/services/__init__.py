"""The rules of /auth, one module per concern; each receives the request's connection and raises core errors."""
