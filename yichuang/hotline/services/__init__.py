"""Writes to 12345 tickets: intake by an operator and every action of the transitions table.

Each function runs in one transaction, locks the ticket row, checks the move against
``workflow.TRANSITIONS`` and the actor's right to make it (``selectors.may_act``), changes the row
and writes a ``TicketEvent`` (who, when, from, to, note) in the same transaction.

``rules`` holds what every write shares, ``intake`` registration and the lookups beside it,
``moves`` the transitions after it, ``revisit`` the call back and the rectification it may open.
"""

from yichuang.hotline.services.intake import ticket_contact, ticket_create, ticket_subject
from yichuang.hotline.services.moves import (
    ticket_accept,
    ticket_answer,
    ticket_cancel,
    ticket_close,
    ticket_dispatch,
    ticket_reassign,
    ticket_redo,
    ticket_reply,
    ticket_return,
    ticket_transfer,
)
from yichuang.hotline.services.revisit import ticket_rectification_event, ticket_revisit
from yichuang.hotline.services.rules import deadline, validate_caller_phone

__all__ = [
    "deadline",
    "ticket_accept",
    "ticket_answer",
    "ticket_cancel",
    "ticket_close",
    "ticket_contact",
    "ticket_create",
    "ticket_dispatch",
    "ticket_reassign",
    "ticket_rectification_event",
    "ticket_redo",
    "ticket_reply",
    "ticket_return",
    "ticket_revisit",
    "ticket_subject",
    "ticket_transfer",
    "validate_caller_phone",
]
