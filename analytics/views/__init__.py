"""Web pages of analytics: listening, reports, goals and conversions."""

from analytics.views.listening import (
    CURATORS_READ_WRITE,
    EVERYONE_READ_WRITE,
    ListeningPromptView,
    ListeningResultsExportView,
    ListeningResultsView,
    PromiseActiveView,
    PromiseEditView,
    PromiseListView,
    PromiseMoveView,
    PulseDismissView,
    PulseView,
    StoppingDismissView,
    StoppingSurveyView,
)

__all__ = [
    "CURATORS_READ_WRITE",
    "EVERYONE_READ_WRITE",
    "ListeningPromptView",
    "ListeningResultsExportView",
    "ListeningResultsView",
    "PromiseActiveView",
    "PromiseEditView",
    "PromiseListView",
    "PromiseMoveView",
    "PulseDismissView",
    "PulseView",
    "StoppingDismissView",
    "StoppingSurveyView",
]
