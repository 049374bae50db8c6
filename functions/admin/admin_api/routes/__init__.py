"""HTTP routes of the admin function (no SQL, no rules: they call the services)."""
