"""The L&D dashboard: routes, Jinja2 templates and SVG charts over the metrics service."""

from peerbot.web.app import PREFIX, Dashboard, build_dashboard

__all__ = ["PREFIX", "Dashboard", "build_dashboard"]
