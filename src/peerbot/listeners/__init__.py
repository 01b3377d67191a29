"""Slack in, Slack out: one module per feature, each with register(app, deps)."""
