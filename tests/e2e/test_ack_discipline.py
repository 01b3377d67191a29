"""Acks never wait for slow work: with every worker stuck on a slow Slack
call, new commands are still acknowledged within Slack's 3 seconds."""

from concurrent.futures import ThreadPoolExecutor

from peerbot.cli import WORKER_THREADS


def test_commands_are_acked_while_the_worker_pool_is_saturated(world):
    slack = world.slack
    burst = WORKER_THREADS + 1
    # Every card post takes 4 s: the follow-up work of each /ask is slow.
    slack.slow_next("chat.postMessage", times=burst, delay=4.0)
    with ThreadPoolExecutor(burst) as people:
        deliveries = list(people.map(
            lambda i: slack.command(world.alice, world.general, "/ask", f"Slow question number {i}?"), range(burst)))
    assert all(d.acked for d in deliveries), [d.elapsed for d in deliveries]
    # And a help request behind them is answered straight away, in its ack.
    help_request = slack.command(world.bob, world.general, "/peerbot", "help")
    assert help_request.acked and slack.ephemerals(user=world.bob)
    # The slow work finishes too: every question is posted, once.
    world.settle(timeout=30)
    cards = [m for m in slack.messages(world.general) if m.get("bot_id")]
    assert len(cards) == burst
