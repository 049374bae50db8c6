"""Admin function: users, roles, modules, permissions, activity logs, statistics and security (spec core §2, §3.4)."""
