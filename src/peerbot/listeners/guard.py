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
