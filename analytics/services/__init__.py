"""Writes of analytics: the only place that changes its state."""

from analytics.services.listening import (
    PulseRating,
    brand_promise_delete,
    brand_promise_move,
    brand_promise_reorder,
    brand_promise_save,
    listening_results_csv,
    pulse_dismiss,
    pulse_submit,
    stopping_answer_submit,
    stopping_survey_dismiss,
)

__all__ = [
    "PulseRating",
    "brand_promise_delete",
    "brand_promise_move",
    "brand_promise_reorder",
    "brand_promise_save",
    "listening_results_csv",
    "pulse_dismiss",
    "pulse_submit",
    "stopping_answer_submit",
    "stopping_survey_dismiss",
]
