"""SQL of the admin function: parameterised, returning dict rows."""
