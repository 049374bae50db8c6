"""Rules of the admin function: they receive the request's connection and raise the core error types."""

MODULE = "admin"  # the module key of every activity row these services write
