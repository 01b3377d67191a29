"""Kept for imports written before the metrics service: `/peerbot stats` now
reads its numbers from services/metrics.py, the one place every figure is
computed (the dashboard, the CSV and the digest use it too)."""

from peerbot.services.metrics import (  # noqa: F401
    DEFAULT_PERIOD,
    Helper,
    Stats,
    channels_asked_in,
    compute,
    parse_period,
)
