"""create_app(deps): the Bolt app with every listener registered."""

from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher

from peerbot.deps import Deps
from peerbot.followups import FollowUps
from peerbot.listeners import (admin, ask, buddies, circles, experts, feedback, home, knowledge, mentoring, messages,
                               programmes, subscriptions, talks)

logger = logging.getLogger("peerbot")

FEATURES = (admin, ask, buddies, circles, experts, feedback, home, knowledge, mentoring, messages, programmes,
            subscriptions, talks)


def create_app(deps: Deps, *, follow_ups: FollowUps | None = None, verify_requests: bool = True) -> App:
    """The Bolt app. In `peerbot run` the front passes `follow_ups`: lazy
    functions are queued for the worker process (peerbot.followups), and
    requests are turned away unprocessed while its queue is full. The worker's
    own app runs them (`verify_requests=False`: they come from the front, which
    verified them). Without `follow_ups` (tests, the demo) lazy functions run
    on `deps.executor` in this process."""
    app = App(
        client=deps.client,
        signing_secret=deps.settings.signing_secret or "",
        request_verification_enabled=verify_requests,
        # Acks run on the request thread; slow work runs in lazy listeners,
        # so it can never hold back another request's ack.
        process_before_response=True,
        listener_executor=deps.executor,
        # peerbot checks the token itself at start-up, with a clear message.
        token_verification_enabled=False,
        logger=logger,
    )
    if follow_ups is not None:
        app.use(follow_ups.admission())
        app.listener_runner.lazy_listener_runner = follow_ups
    for feature in FEATURES:
        feature.register(app, deps)
    _match_on_body(app)
    _check_lazy_names(app)
    return app


def _check_lazy_names(app: App) -> None:
    """The worker finds a lazy function by its name among its listener's."""
    for listener in app._listeners:
        names = [function.__name__ for function in listener.lazy_functions]
        if len(set(names)) < len(names):
            raise RuntimeError(f"the lazy functions of one listener need distinct names: {names}")


def _match_on_body(app: App) -> None:
    """Bolt tries every listener in turn, and before each builtin matcher
    (command name, event type, action id: all functions of the body) it builds
    the whole set of listener arguments, a dozen payload lookups. With ~80
    listeners that was most of an ack's CPU time; call them with the body."""
    for listener in app._listeners:
        listener.matchers = [_BodyMatcher(m.func) if type(m) is BuiltinListenerMatcher and m.arg_names == ["body"]
                             else m for m in listener.matchers]


class _BodyMatcher(ListenerMatcher):
    def __init__(self, func: Callable[[dict], bool]):
        self.func = func

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return self.func(req.body)
