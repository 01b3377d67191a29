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
# Mentoring: /mentor's enrolment modal (block id = action id = field), the request and the mentorship's buttons
MENTOR_ENROL_MODAL = "mentor_enrol_modal"
MENTOR_ENROL = "mentor_enrol"
MENTOR_FIND = "mentor_find"
MENTOR_REQUEST = "mentor_request"
MENTOR_ACCEPT = "mentor_accept"
MENTOR_DECLINE = "mentor_decline"
MENTOR_FIT = "mentor_fit"  # mentor_fit_good | mentor_fit_deciding | mentor_fit_not_a_fit
MENTOR_REMATCH = "mentor_rematch"
MENTOR_EXTEND = "mentor_extend"
MENTOR_END = "mentor_end"
MENTOR_SURVEY = "mentor_survey"
MENTOR_SURVEY_MODAL = "mentor_survey_modal"
# Buddies: the day-1 "we've met" button, the wrap-up's buttons, a new member's Enrol / Ignore and its modal
BUDDY_MET = "buddy_met"
BUDDY_VOLUNTEER = "buddy_volunteer"
BUDDY_THANKS = "buddy_thanks"
BUDDY_NEWCOMER_ENROL = "buddy_newcomer_enrol"
BUDDY_NEWCOMER_IGNORE = "buddy_newcomer_ignore"
BUDDY_ENROL_MODAL = "buddy_enrol_modal"
BUDDY_ENROL_START = "buddy_enrol_start"
BUDDY_ENROL_MANAGER = "buddy_enrol_manager"
# A matching round's admin preview (every programme)
ROUND_PUBLISH = "round_publish"
# Peer feedback: the give_feedback message shortcut (manifest.yml), the request modal and its inputs
# (block id = action id), the ask DM's buttons, the answer and direct-feedback modals, delete
GIVE_FEEDBACK = "give_feedback"
FEEDBACK_REQUEST_MODAL = "feedback_request_modal"
FEEDBACK_PEERS = "feedback_peers"
FEEDBACK_TEMPLATE = "feedback_template"
FEEDBACK_QUESTION = "feedback_question"
FEEDBACK_LINK = "feedback_link"
FEEDBACK_EXPIRY = "feedback_expiry"
FEEDBACK_ANONYMOUS = "feedback_anonymous"
FEEDBACK_ANSWER = "feedback_answer"
FEEDBACK_DECLINE = "feedback_decline"
FEEDBACK_SNOOZE = "feedback_snooze"
FEEDBACK_DELETE = "feedback_delete"
FEEDBACK_ANSWER_MODAL = "feedback_answer_modal"
FEEDBACK_ANSWER_TEXT = "feedback_answer_text"
FEEDBACK_DIRECT_MODAL = "feedback_direct_modal"
FEEDBACK_DIRECT_TEXT = "feedback_direct_text"
# Coaching circles: the round's Join button, the circle's time, attendance, commitments and their follow-up
CIRCLE_JOIN = "circle_join"
CIRCLE_SET_TIME = "circle_set_time"
CIRCLE_TIME_MODAL = "circle_time_modal"
CIRCLE_ATTENDANCE = "circle_attendance"
CIRCLE_ATTENDANCE_MODAL = "circle_attendance_modal"
CIRCLE_COMMIT = "circle_commit"
CIRCLE_COMMIT_MODAL = "circle_commit_modal"
CIRCLE_FOLLOW_UP = "circle_follow_up"  # circle_follow_up_done | _partly | _not_yet
# Talks: the propose modal and its inputs (block id = action id), the organiser's decision, the card's
# buttons, the held seat's button, cancelling
TALK_PROPOSE_MODAL = "talk_propose_modal"
TALK_TITLE = "talk_title"
TALK_ABSTRACT = "talk_abstract"
TALK_FORMAT = "talk_format"
TALK_START = "talk_start"
TALK_MINUTES = "talk_minutes"
TALK_PLACE = "talk_place"
TALK_CAPACITY = "talk_capacity"
TALK_RECORDING = "talk_recording"
TALK_ACCEPT = "talk_accept"
TALK_DECLINE = "talk_decline"
TALK_GOING = "talk_going"
TALK_MAYBE = "talk_maybe"
TALK_CANT = "talk_cant"
TALK_CALENDAR = "talk_calendar"
TALK_TAKE_SEAT = "talk_take_seat"
TALK_CANCEL = "talk_cancel"
TALK_HERE = "talk_here"
TALK_MOVE = "talk_move"
TALK_MOVE_MODAL = "talk_move_modal"
TALK_RATE = "talk_rate"  # talk_rate_1 … talk_rate_5
TALK_COMMENT = "talk_comment"
TALK_COMMENT_MODAL = "talk_comment_modal"
TALK_RECORDING_ADD = "talk_recording_add"
TALK_RECORDING_MODAL = "talk_recording_modal"
TALK_RECORDING_URL = "talk_recording_url"
TALK_RECORDING_TOPIC = "talk_recording_topic"
TALK_CAPACITY_CHANGE = "talk_capacity_change"
TALK_CAPACITY_MODAL = "talk_capacity_modal"
