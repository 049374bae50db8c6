"""Migrate function: applies the SQL migrations, prepares the application role, bootstraps the first admin."""
