"""The one metrics service: every number peer learning is judged by.

`/peerbot stats`, the dashboard (pages, charts, CSV and JSON) and the digest
all read their figures here, so they never disagree. docs/metrics.md defines
each figure in words. One module per page or group of figures (a programme
adds its own beside `programmes.py`); everything is importable from here.

Numbers may count private activity; nothing here returns text, titles or links
from a private conversation. Callers say which channels are public (or
nameable for the viewer): services never call Slack. The small-group rule
lives here too (`guarded`): an aggregate covering fewer than 5 distinct people
is shown as "<5".
"""

from peerbot.services.metrics.channels import (
    ActiveChannel,
    ChannelRow,
    active_channels,
    channels_table,
    known_conversations,
    merge_private,
)
from peerbot.services.metrics.common import (
    DEFAULT_PERIOD,
    HIDDEN,
    SMALL_GROUP,
    People,
    guarded,
    median_hours,
    parse_period,
)
from peerbot.services.metrics.summary import Overview, OverviewReport, Week, overview, record_search, week_start
from peerbot.services.metrics.people import (
    ExpertLoad,
    HelperRow,
    NewExpert,
    display_names,
    expert_load,
    new_experts,
    top_helpers,
)
from peerbot.services.metrics.programmes import (
    AcrossProgrammes,
    BuddyMeasures,
    Figure,
    HelperRoles,
    ProgrammeMeasures,
    across_programmes,
    buddy_measures,
    running,
)
from peerbot.services.metrics.mentoring import mentoring_measures
from peerbot.services.metrics.circles import circle_measures
from peerbot.services.metrics.feedback import feedback_measures
from peerbot.services.metrics.talks import talk_measures
from peerbot.services.metrics.questions import Helper, QuestionFact, WorkingClock, question_facts
from peerbot.services.metrics.stats import Stats, channels_asked_in, compute
from peerbot.services.metrics.topics import OpenQuestion, TopicPage, TopicRow, topic_page, topics_table

__all__ = [
    "AcrossProgrammes", "BuddyMeasures", "Figure", "HelperRoles", "ProgrammeMeasures", "across_programmes",
    "buddy_measures", "circle_measures", "feedback_measures", "mentoring_measures", "running", "talk_measures",
    "DEFAULT_PERIOD", "HIDDEN", "SMALL_GROUP", "ActiveChannel", "ChannelRow", "ExpertLoad", "Helper", "HelperRow",
    "NewExpert", "OpenQuestion", "Overview", "OverviewReport", "People", "QuestionFact", "Stats", "TopicPage",
    "TopicRow", "Week", "WorkingClock", "active_channels", "channels_asked_in", "channels_table", "compute",
    "display_names", "expert_load", "guarded", "known_conversations", "median_hours", "merge_private",
    "new_experts", "overview", "parse_period", "question_facts", "record_search", "top_helpers", "topic_page",
    "topics_table", "week_start",
]
