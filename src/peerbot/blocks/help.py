"""The /peerbot help message."""

from __future__ import annotations

from peerbot.blocks.text import escape, message

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
    ("/peerbot stats programmes [90d]", "How the peer programmes are doing: coverage, meetings, reach."),
    ("/peerbot buddies|mentoring|circles|talks on|off|settings", "Peer programmes for this channel."),
    ("/buddy [volunteer [until YYYY-MM-DD] | pause | stop | block @someone | @hire start:YYYY-MM-DD manager:@manager]",
     "Onboarding buddies: volunteer, or enrol a new hire."),
    ("/mentor [enrol | find | request @mentor]", "Peer mentoring: enrol, find a mentor, see your mentorships."),
    ("/circle [join | leave | open]", "Peer coaching circles: join the open round, see your circle."),
    ("/talks [propose | wish <topic> | list]", "Lunch-and-learn talks: propose one, wish for a topic, see what's "
                                               "coming."),
    ("/feedback [list | help]", "Ask 1–5 colleagues for feedback, named or (to 3 or more) anonymous."),
    ("/peerbot dashboard [grant|revoke @user]", "A login link to the L&D dashboard; admins grant access."),
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


# ---- /peerbot dashboard ------------------------------------------------------------------------

DASHBOARD_USAGE = ("Usage: `/peerbot dashboard` sends you a login link to the L&D dashboard; admins can "
                   "`/peerbot dashboard grant @someone` or `/peerbot dashboard revoke @someone`.")


def dashboard_not_configured() -> dict:
    return message("The dashboard isn't set up yet: whoever runs peerbot needs to set `PEERBOT_PUBLIC_URL` "
                   "to the address people reach peerbot at (for example `https://peerbot.example.com`) "
                   "and restart it. Then `/peerbot dashboard` sends you a login link.")


def dashboard_link_message(url: str, minutes: int) -> dict:
    """The DM with a one-time login link (the url is ours, never user text)."""
    return message(f"Here is your login link to the peerbot dashboard: <{url}|Open the dashboard>\n"
                   f"It works once, for the next {minutes} minutes, and only for you. "
                   "Don't forward it; run `/peerbot dashboard` again for a new one.")


def dashboard_link_sent(minutes: int) -> dict:
    return message(f"I've sent you a login link in a direct message. It works once, for {minutes} minutes.")


def dashboard_refused() -> dict:
    return message("Sorry, the dashboard is for workspace admins and owners, and for people they give access "
                   "to. An admin can let you in with `/peerbot dashboard grant @you`.")


def dashboard_admins_only() -> dict:
    return message("Only workspace admins and owners can grant or revoke dashboard access.")


def dashboard_no_such_user(who: str) -> dict:
    return message(f"I can't find `{escape(who)}` in this workspace. Mention them like `@name`.")


def dashboard_granted(user_id: str, new: bool) -> dict:
    if not new:
        return message(f"<@{user_id}> already has access to the dashboard.")
    return message(f"<@{user_id}> can now open the dashboard with `/peerbot dashboard`.")


def dashboard_revoked(user_id: str, had: bool) -> dict:
    if not had:
        return message(f"<@{user_id}> had no access granted, so there was nothing to revoke.")
    return message(f"<@{user_id}> no longer has access to the dashboard; their open sessions have ended.")


def dashboard_cannot_grant(user_id: str, why: str) -> dict:
    return message(f"<@{user_id}> {why}")
