"""Work after the ack runs in Bolt's lazy listeners, whose exceptions Bolt logs
without a traceback. `after_ack` logs the traceback and, where it can, tells
the person that something failed on our side."""

from __future__ import annotations

import functools
import logging
from typing import Callable

logger = logging.getLogger("peerbot")

SORRY = "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment."


def after_ack(work: Callable) -> Callable:
    @functools.wraps(work)
    def run(**kwargs):
        try:
            return work(**kwargs)
        except Exception:
            logger.exception("%s failed after the ack", work.__name__)
            respond = kwargs.get("respond")
            if respond is not None:
                try:
                    respond(text=SORRY, response_type="ephemeral", replace_original=False)
                except Exception:
                    logger.exception("could not tell the user about the failure")

    return run


def ack_only(ack) -> None:
    """For events: Slack only needs the 200; the work happens lazily."""
    ack()


def once_per_event(deps, work: Callable) -> Callable:
    """Run an event's work once per event id: Slack's retries (and duplicate
    deliveries of the same id) are acknowledged and ignored. A failure
    releases the claim so the next retry can try again."""
    from peerbot.services import events

    @functools.wraps(work)
    def run(body: dict, **kwargs):
        event_id = body.get("event_id")
        if event_id:
            with deps.db.begin() as session:
                if not events.claim(session, body.get("team_id", ""), event_id, deps.clock()):
                    return None
        try:
            return work(body=body, **kwargs)
        except Exception:
            if event_id:
                with deps.db.begin() as session:
                    events.release(session, event_id)
            raise

    return run
