"""Analytics tables: listening (surveys), metrics and rollups, goals and KPIs, conversions."""

from analytics.models.listening import (
    COMMENT_MAX,
    BrandPromise,
    ListeningPromptState,
    PulseResponse,
    StoppingAnswer,
    StoppingReason,
)

__all__ = [
    "COMMENT_MAX",
    "BrandPromise",
    "ListeningPromptState",
    "PulseResponse",
    "StoppingAnswer",
    "StoppingReason",
]
