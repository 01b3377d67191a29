"""The /peerbot help message."""

from __future__ import annotations

from peerbot.blocks.text import message

COMMANDS = [
    ("/ask [question]", "Ask the channel a question (no text opens a form; you can ask anonymously). "
                        "Start with `[topic]` to have experts on it asked."),
    ("/tip [text]", "Share a tip and save it to the knowledge base."),
    ("/kb [query]", "Search what colleagues saved. Only you see the results."),
    ("/experts [topic | add t1, t2 | remove t | away | back]", "Find who knows what; declare your own topics."),
    ("/peerbot digest on|off|preview", "Weekly digest of what this channel learned."),
    ("/peerbot prompts on|off", "Daily \"ask an expert\" prompt in this channel."),
    ("/peerbot settings", "Times, time zone and emoji for this channel."),
    ("/peerbot stats [7d] [workspace]", "Questions, answers, helpers and knowledge gaps, at a glance."),
    ("/peerbot buddies|mentoring|circles|talks on|off|settings", "Peer programmes for this channel."),
    ("/peerbot dashboard", "A login link to the L&D dashboard."),
    ("/peerbot help", "This help."),
]

TIPS = [
    "React with :bookmark: to save any message to the knowledge base.",
    "As the asker, react with :white_check_mark: to the reply that answered you.",
    "Use the message shortcut *Save to knowledge base* to save with a title and topic.",
]


def help_message(preamble: str | None = None) -> dict:
    lines = "\n".join(f"`{usage}`  {what}" for usage, what in COMMANDS)
    tips = "\n".join(f"• {tip}" for tip in TIPS)
    text = f"*peerbot helps colleagues learn from each other.*\n{lines}\n\n{tips}"
    if preamble:
        text = f"{preamble}\n\n{text}"
    return message(text)
