"""The domain schema. Every row carries `team_id`: nothing crosses workspaces.

Migrations in `migrations/` create this schema; tests check the two agree.
Slack identifiers are strings (`ts` included: never a float). One module per
feature; importing this package registers every table on `Base.metadata`.
"""

from peerbot.store.models.base import (
    IM,
    MPIM,
    PRIVATE,
    PUBLIC,
    Base,
    ChannelId,
    TeamId,
    Ts,
    UTCDateTime,
    UserId,
)
from peerbot.store.models.channels import (
    ChannelSettings,
    PromptSpotlight,
)
from peerbot.store.models.circles import (
    CircleRound,
    CircleOptIn,
    Circle,
    CircleAttendance,
    CircleCommitment,
)
from peerbot.store.models.dashboard import (
    DashboardGrant,
    DashboardLogin,
    DashboardSession,
)
from peerbot.store.models.delivery import (
    ProcessedEvent,
    OutboxPost,
)
from peerbot.store.models.feedback import (
    FeedbackAnswer,
    FeedbackAsk,
    FeedbackRequest,
)
from peerbot.store.models.knowledge import (
    KnowledgeItem,
    KnowledgeSave,
    KbSearch,
)
from peerbot.store.models.mentoring import (
    MentoringCohort,
    MentoringProfile,
    MentorRequest,
    Mentorship,
    MentoringWaitlist,
    MentoringSurvey,
)
from peerbot.store.models.programmes import (
    Programme,
    ProgrammeMember,
    BuddyPairing,
    CheckIn,
    BlockedPair,
    MatchRound,
)
from peerbot.store.models.questions import (
    Question,
    QuestionVote,
    Answer,
    RoutingStep,
    Routing,
)
from peerbot.store.models.talks import (
    Talk,
    TalkRating,
    TalkRsvp,
    TalkSeat,
    TalkWish,
    TalkWishVote,
)
from peerbot.store.models.workspace import (
    Workspace,
    Member,
    Conversation,
    Topic,
    Expertise,
)

__all__ = [
    "IM",
    "MPIM",
    "PRIVATE",
    "PUBLIC",
    "Base",
    "ChannelId",
    "TeamId",
    "Ts",
    "UTCDateTime",
    "UserId",
    "ChannelSettings",
    "PromptSpotlight",
    "CircleRound",
    "CircleOptIn",
    "Circle",
    "CircleAttendance",
    "CircleCommitment",
    "DashboardGrant",
    "DashboardLogin",
    "DashboardSession",
    "ProcessedEvent",
    "OutboxPost",
    "FeedbackAnswer",
    "FeedbackAsk",
    "FeedbackRequest",
    "KnowledgeItem",
    "KnowledgeSave",
    "KbSearch",
    "MentoringCohort",
    "MentoringProfile",
    "MentorRequest",
    "Mentorship",
    "MentoringWaitlist",
    "MentoringSurvey",
    "Programme",
    "ProgrammeMember",
    "BuddyPairing",
    "CheckIn",
    "BlockedPair",
    "MatchRound",
    "Question",
    "QuestionVote",
    "Answer",
    "RoutingStep",
    "Routing",
    "Talk",
    "TalkRating",
    "TalkRsvp",
    "TalkSeat",
    "TalkWish",
    "TalkWishVote",
    "Workspace",
    "Member",
    "Conversation",
    "Topic",
    "Expertise",
]
