"""Admin function: users, roles, modules, permissions, activity logs, statistics and security (see docs/rules.md)."""
