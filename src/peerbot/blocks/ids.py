"""Every action, block and callback id, in one place."""

# Shortcuts (declared in manifest.yml)
SAVE_TO_KB = "save_to_kb"
ASK_QUESTION = "ask_question"

# Home tab buttons
HOME_ASK = "home_ask"
HOME_TIP = "home_tip"

# Questions
ASK_MODAL = "ask_modal"
ASK_ANYWAY = "ask_anyway"
ASK_NEVERMIND = "ask_nevermind"
QUESTION_VOTE = "question_vote"
QUESTION_MARK = "question_mark_answered"
QUESTION_CLOSE = "question_close"
MARK_MODAL = "mark_answered_modal"
ANSWER_ACCEPT = "answer_accept"

# Knowledge base: /tip, the save_to_kb shortcut's modal
TIP_MODAL = "tip_modal"
SAVE_MODAL = "save_to_kb_modal"

# Experts: the asker's escalation DM ("close" reuses QUESTION_CLOSE)
ESCALATION_KEEP_WAITING = "escalation_keep_waiting"

# Channel subscriptions: the /peerbot settings modal and its inputs (block id = action id)
SETTINGS_MODAL = "channel_settings_modal"
SETTINGS_TIMEZONE = "settings_timezone"
SETTINGS_DIGEST_DAY = "settings_digest_day"
SETTINGS_DIGEST_TIME = "settings_digest_time"
SETTINGS_PROMPT_TIME = "settings_prompt_time"
SETTINGS_WORKDAYS = "settings_workdays"
SETTINGS_SAVE_EMOJI = "settings_save_emoji"
SETTINGS_ACCEPT_EMOJI = "settings_accept_emoji"
SETTINGS_ESCALATION_HOURS = "settings_escalation_hours"

# Programmes: the /peerbot buddies settings modal (block id = action id = setting name)
PROGRAMME_SETTINGS_MODAL = "programme_settings_modal"
# Buddies: the manager's suggestions DM, the free picker
BUDDY_PICK = "buddy_pick"
BUDDY_PICK_OTHER = "buddy_pick_other"
# The one check-in primitive
CHECKIN_MET = "checkin_met"
CHECKIN_NOT_YET = "checkin_not_yet"
CHECKIN_SKIP = "checkin_skip"
CHECKIN_RATE = "checkin_rate"
CHECKIN_COMMENT = "checkin_comment"
CHECKIN_COMMENT_MODAL = "checkin_comment_modal"
CHECKIN_COMMENT_INPUT = "checkin_comment_input"
CHECKIN_STAY = "checkin_stay"
CHECKIN_PAUSE = "checkin_pause"
CHECKIN_LEAVE = "checkin_leave"
