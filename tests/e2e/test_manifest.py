"""manifest.yml and the app agree: everything Slack will send has a listener,
and every listener is declared to Slack."""

import inspect
from pathlib import Path

import yaml

from peerbot.app import create_app


def manifest() -> dict:
    return yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())


def registered(app) -> dict[str, set[str]]:
    """What the Bolt app listens to, read from its listener matchers."""
    found: dict[str, set[str]] = {"commands": set(), "shortcuts": set(), "events": set()}
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None:
                continue
            names = inspect.getclosurevars(func).nonlocals
            kind = func.__qualname__.split(".")[0]
            if "command" in names:
                found["commands"].add(names["command"])
            elif kind in ("shortcut", "global_shortcut", "message_shortcut") and "callback_id" in names:
                found["shortcuts"].add(names["callback_id"])
            elif "event_type" in names:
                found["events"].add(names["event_type"])
    return found


def declared() -> dict[str, set[str]]:
    features = manifest()["features"]
    return {
        "commands": {c["command"] for c in features["slash_commands"]},
        "shortcuts": {s["callback_id"] for s in features["shortcuts"]},
        "events": {e.split(".")[0] for e in manifest()["settings"]["event_subscriptions"]["bot_events"]},
    }


def test_manifest_declares_exactly_what_the_app_listens_to(world):
    assert registered(create_app(world.deps)) == declared()


def test_manifest_is_complete():
    m = manifest()
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is True
    assert {"/ask", "/tip", "/kb", "/experts", "/peerbot", "/buddy", "/mentor", "/circle",
            "/feedback", "/talks"} == declared()["commands"]
    # Commands that name people get picked mentions as <@U…|name>.
    escaped = {c["command"] for c in m["features"]["slash_commands"] if c.get("should_escape")}
    assert escaped == {"/buddy", "/mentor"}
    assert {"save_to_kb", "ask_question", "give_feedback"} == declared()["shortcuts"]
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "reactions:read", "channels:history", "users:read", "im:write",
            "mpim:write"} <= scopes
    assert not any(scope.endswith(":write.public") or scope.startswith("admin") for scope in scopes)


def test_every_declared_command_and_event_is_answered_not_404(world):
    slack = world.slack
    for command in declared()["commands"]:
        delivery = slack.command(world.alice, world.general, command, "help")
        assert delivery.status == 200, command
    ts = slack.post(world.alice, world.general, "hello")
    slack.react(world.bob, world.general, ts, "tada")
    slack.unreact(world.bob, world.general, ts, "tada")
    slack.open_home(world.alice)
    world.settle()
    events = [d for d in slack.deliveries if d.kind == "event"]
    assert {d.payload["event"]["type"] for d in events} >= {"message", "reaction_added", "reaction_removed",
                                                           "app_home_opened"}
    assert all(d.status == 200 for d in events)
    for callback_id in declared()["shortcuts"]:
        if callback_id in ("save_to_kb", "give_feedback"):
            delivery = slack.message_shortcut(world.alice, world.general, ts, callback_id)
        else:
            delivery = slack.global_shortcut(world.alice, callback_id)
        assert delivery.status == 200, callback_id
