"""Celery tasks of analytics: thin interfaces over services (load, call, save).

Sections: metric collection and rollups; partitions; conversions.
"""

from __future__ import annotations
