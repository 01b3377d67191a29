"""The App Home tab."""

from __future__ import annotations

from peerbot.blocks import ids
from peerbot.blocks.text import plain, section


def home_view(display_name: str) -> dict:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": plain("peerbot: learn from each other")},
            section(
                f"Hi {display_name}! Ask a question with `/ask`, share what you know with `/tip`, "
                "and find what colleagues saved with `/kb`."
            ),
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": plain("Ask a question"), "action_id": ids.HOME_ASK, "style": "primary"},
                    {"type": "button", "text": plain("Share a tip"), "action_id": ids.HOME_TIP},
                ],
            },
        ],
    }
