"""Dashboard function: home page figures, sidebar, widgets, and the public service info, health and ping."""
