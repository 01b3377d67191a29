"""A faithful local Slack stand-in over real HTTP, for tests, the demo and benchmarks.

It shares no code with the bot on purpose: a bug in the bot must not be hidden by the sandbox.
"""

from .delivery import Attempt, Delivery
from .sandbox import Sandbox
from .server import ApiCall

__all__ = ["ApiCall", "Attempt", "Delivery", "Sandbox"]
