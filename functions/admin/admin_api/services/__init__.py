"""Rules of the admin function: they receive the request's connection and raise the core error types."""
