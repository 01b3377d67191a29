"""The platform's first slice: requests in, answers out. `world` journeys run over HTTP and over
Socket Mode; the `http_world` tests are about HTTP itself (signatures, form bodies, /healthz)."""

import json
import time
import urllib.request

from peerbot.blocks.help import COMMANDS


def texts(blocks) -> str:
    return json.dumps(blocks)


def test_peerbot_help_is_ephemeral_and_lists_every_command(world):
    delivery = world.slack.command(world.alice, world.general, "/peerbot", "help")
    assert delivery.acked
    shown = world.slack.ephemerals(user=world.alice, channel=world.general)
    assert len(shown) == 1
    for usage, _ in COMMANDS:
        assert usage.split()[0] in texts(shown[0]["blocks"])
    # Only alice saw it: nothing was posted to the channel.
    assert world.slack.messages(world.general) == []


def test_unknown_subcommand_is_named_and_escaped(world):
    world.slack.command(world.alice, world.general, "/peerbot", "<!channel> dance")
    shown = texts(world.slack.ephemerals(user=world.alice)[0]["blocks"])
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown


def test_a_slash_command_mentioning_payload_is_not_mistaken_for_a_button(http_world):
    world = http_world  # the trap is in Bolt's parsing of form bodies; Socket Mode sends JSON
    delivery = world.slack.command(world.alice, world.general, "/peerbot", "what is a payload?")
    assert delivery.acked and delivery.status == 200
    assert world.slack.ephemerals(user=world.alice)


def test_opening_app_home_publishes_the_home_tab(world):
    assert world.slack.open_home(world.bob).acked
    home = world.slack.wait_for(lambda: world.slack.home(world.bob))
    assert home["type"] == "home"
    assert "Ask a question" in texts(home["blocks"])


def test_bad_or_stale_signatures_get_401_and_change_nothing(http_world):
    world = http_world
    body = b"command=%2Fpeerbot&text=help&team_id=T0SANDBOX&user_id=" + world.alice.encode()
    form = "application/x-www-form-urlencoded"
    tampered = world.slack.deliver_raw(body, form, signature="tampered")
    unsigned = world.slack.deliver_raw(body, form, signature="none")
    stale = world.slack.deliver_raw(body, form, timestamp=int(time.time()) - 301)
    assert [tampered.status, unsigned.status, stale.status] == [401, 401, 401]
    assert world.slack.calls == [] and world.slack.ephemerals() == []


def test_healthz_reports_the_database(http_world):
    with urllib.request.urlopen(http_world.health_url) as response:
        assert response.status == 200
        assert json.load(response) == {"database": "ok", "ok": True}
