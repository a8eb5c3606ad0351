"""What the calendar tells those who count with it: a year's schedule was entered or changed.

``schedule_changed`` is sent inside the transaction that changed the calendar, with ``years`` (the
years whose counting may differ now) and ``actor`` (the staff member, or None for a command or the
package sync). The cases app listens and counts the due dates of its open cases again in the same
transaction (contract.md: "When staff enter or change a year's schedule, the due dates of open cases
are counted again"), so the calendar never knows who counts with it.
"""

from __future__ import annotations

from django.dispatch import Signal

schedule_changed = Signal()
