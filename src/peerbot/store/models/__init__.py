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
from peerbot.store.models.dashboard import (
    DashboardGrant,
    DashboardLogin,
    DashboardSession,
)
from peerbot.store.models.delivery import (
    ProcessedEvent,
    OutboxPost,
)
from peerbot.store.models.knowledge import (
    KnowledgeItem,
    KnowledgeSave,
    KbSearch,
)
from peerbot.store.models.programmes import (
    Programme,
    ProgrammeMember,
    BuddyPairing,
    CheckIn,
)
from peerbot.store.models.questions import (
    Question,
    QuestionVote,
    Answer,
    RoutingStep,
    Routing,
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
    "DashboardGrant",
    "DashboardLogin",
    "DashboardSession",
    "ProcessedEvent",
    "OutboxPost",
    "KnowledgeItem",
    "KnowledgeSave",
    "KbSearch",
    "Programme",
    "ProgrammeMember",
    "BuddyPairing",
    "CheckIn",
    "Question",
    "QuestionVote",
    "Answer",
    "RoutingStep",
    "Routing",
    "Workspace",
    "Member",
    "Conversation",
    "Topic",
    "Expertise",
]
