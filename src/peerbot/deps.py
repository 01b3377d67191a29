"""What listeners and jobs receive: settings, the database, the Slack client."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from slack_sdk import WebClient

from peerbot.config import Settings
from peerbot.store.db import Database


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Deps:
    settings: Settings
    db: Database
    client: WebClient
    # Runs the slow work after each ack (Bolt's lazy listeners): in the worker
    # process under `peerbot run` (peerbot.followups), in-process in tests and the demo.
    executor: ThreadPoolExecutor
    clock: Callable[[], datetime] = field(default=utc_now)
