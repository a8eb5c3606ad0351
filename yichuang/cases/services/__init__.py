"""Writes to cases: create (一窗受理) and every action of the transitions table.

Each function runs in one transaction, locks the case row, checks the move against
``workflow.TRANSITIONS`` and the actor's right to make it (``cases.actions``), writes a ``CaseEvent``
and queues the applicant's SMS in the same transaction (sent after commit).

The modules, by what changes together: ``inputs`` (what an application brings and its checks),
``intake`` (creation), ``numbering`` (the readable number), ``moves`` (lock, check, write: the frame
of every action), ``window`` and ``review`` (the actions of the window and of the handling
department), ``base`` (the timeline, the SMS, the due dates). Everything callers use is importable
from ``yichuang.cases.services``.
"""

from yichuang.cases.actions import WINDOW_ROLES
from yichuang.cases.services.base import (
    MAX_EXTENSION_DAYS,
    SUSPEND_KINDS,
    case_event,
    case_event_record,
)
from yichuang.cases.services.inputs import ApplicantInput, MaterialInput
from yichuang.cases.services.intake import (
    BundleReceipt,
    bundle_apply,
    case_create,
    online_bundle_apply,
    online_case_create,
)
from yichuang.cases.services.moves import CaseInScope, _may, case_check_action, case_may
from yichuang.cases.services.postcheck import case_revoke, postcheck_record
from yichuang.cases.services.review import (
    case_approve,
    case_deny,
    case_extend,
    case_resume,
    case_review,
    case_suspend,
    remedy_text,
)
from yichuang.cases.services.window import (
    Notice,
    case_accept,
    case_deliver,
    case_notify,
    case_refuse,
    case_supplement,
    case_withdraw,
)
from yichuang.common.errors import Invalid, NotAllowed

__all__ = [
    "MAX_EXTENSION_DAYS",
    "SUSPEND_KINDS",
    "WINDOW_ROLES",
    "ApplicantInput",
    "BundleReceipt",
    "CaseInScope",
    "Invalid",
    "MaterialInput",
    "NotAllowed",
    "Notice",
    "_may",
    "bundle_apply",
    "case_accept",
    "case_approve",
    "case_check_action",
    "case_create",
    "case_deliver",
    "case_deny",
    "case_event",
    "case_event_record",
    "case_extend",
    "case_may",
    "case_notify",
    "case_refuse",
    "case_resume",
    "case_review",
    "case_revoke",
    "case_supplement",
    "case_suspend",
    "case_withdraw",
    "online_bundle_apply",
    "online_case_create",
    "postcheck_record",
    "remedy_text",
]
