"""移交清单 on the pages: a window, a village agent or a back office makes a list of the paper files it
sends on (picking the cases that wait), prints it, sends it, and the other end confirms what arrived.

The pages call the same services and selectors as ``/api/v1/handovers/`` (``yichuang.handover``): the
candidates, the scope, the transitions table, the sealed 移交清单 and 回执 are the API's own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework import exceptions

from yichuang.common.identity import mask_name, mask_phone
from yichuang.documents.api import document_refs
from yichuang.handover import services
from yichuang.handover.models import RECEIVER_STATES, EntryState, Handover, HandoverStatus
from yichuang.handover.selectors import (
    allowed_actions,
    handover_candidates,
    handover_get_for,
    handover_list,
    handover_targets,
    may_see_contact,
    own_unit,
    unit_from_ref,
)
from yichuang.org.units import Unit
from yichuang.web.views.common import clean_text, key_or_404, problem_from, staff, staff_view

LIST_SIZE = 30


class HandoverForm(forms.Form):
    """The list's own fields; the cases come as ``case`` checkboxes with a ``note_<number>`` each."""

    contact_name = forms.CharField(label=gettext_lazy("交接联系人"), max_length=100, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("手机号或带区号的固定电话，如 0376-6221234；不填则为制单人的手机号"),
    )
    note = forms.CharField(
        label=gettext_lazy("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _get(user: Any, number: str) -> Handover:
    try:
        return handover_get_for(user=user, number=key_or_404(number))
    except exceptions.NotFound as exc:
        raise Http404(_("没有找到这份移交清单。")) from exc


def _target(ref: str) -> Unit | None:
    try:
        return unit_from_ref(ref, field_name="to") if ref else None
    except exceptions.ValidationError:
        return None


@staff_view
def handover_index(request: HttpRequest) -> HttpResponse:
    """待接收 (sent to my unit), 本单位发出 (from it), and the units my paper may go to."""
    user = staff(request)
    unit = own_unit(user)
    incoming = handover_list(user=user, filters={"direction": "incoming", "status": HandoverStatus.SENT})
    # an administrator or a supervisor has no unit of his own: every list in his scope
    outgoing = handover_list(user=user, filters={"direction": "outgoing"} if unit is not None else {})
    return render(
        request,
        "web/handover/index.html",
        {
            "unit": unit,
            "targets": handover_targets(user=user),
            "incoming": list(incoming[:LIST_SIZE]),
            "outgoing": list(outgoing[:LIST_SIZE]),
        },
    )


@staff_view
def handover_new(request: HttpRequest) -> HttpResponse:
    """Pick the cases that wait for one receiving unit, say who hands them over, make the draft."""
    user = staff(request)
    target = _target(request.GET.get("to", "") or request.POST.get("to", ""))
    if target is None or own_unit(user) is None:
        messages.error(request, _("请先在下方选择接收单位。"))
        return redirect("web:handovers")
    candidates = list(handover_candidates(user=user, target=target)[: services.MAX_ENTRIES])
    form = HandoverForm(request.POST or None)
    chosen = set(request.POST.getlist("case")) if request.method == "POST" else set()
    problem = ""
    if request.method == "POST" and form.is_valid():
        entries = [
            services.EntryInput(
                case=c.number, note=clean_text(request.POST.get(f"note_{c.number}", ""))[:500]
            )
            for c in candidates
            if c.number in chosen
        ]
        if not entries:
            problem = _("请至少勾选一件要移交的办件。")
        else:
            try:
                handover = services.handover_create(
                    actor=user,
                    target=target,
                    entries=entries,
                    contact_name=clean_text(form.cleaned_data["contact_name"]),
                    contact_phone=clean_text(form.cleaned_data["contact_phone"]),
                    note=clean_text(form.cleaned_data["note"]),
                )
            except exceptions.APIException as exc:
                refusal = problem_from(exc)
                for name, texts in refusal.fields.items():
                    if name in form.fields:
                        for text in texts:
                            form.add_error(name, text)
                problem = "" if form.errors else refusal.message
            else:
                messages.success(
                    request,
                    _("移交清单 %(number)s 已生成（草稿），共 %(count)s 件。核对后打印，再点“移交”。")
                    % {"number": handover.number, "count": len(entries)},
                )
                return redirect("web:handover", number=handover.number)
    return render(
        request,
        "web/handover/new.html",
        {
            "target": target,
            "source": own_unit(user),
            "candidates": candidates,
            "chosen": chosen,
            "form": form,
            "problem": problem,
            "default_contact": user.get_full_name() or user.username,
            "default_phone": mask_phone(user.phone or ""),
        },
        status=400 if problem or form.errors else 200,
    )


@staff_view
def handover_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = staff(request)
    handover = _get(user, number)
    full = ""
    if request.session.pop(REVEALED, None) == handover.number and may_see_contact(user, handover):
        full = handover.contact_phone
    entries = [
        {
            "position": e.position,
            "number": e.case.number,
            "item": e.case.item.name,
            "applicant": mask_name(e.case.applicant_name),
            "state": e.state,
            "state_label": e.get_state_display(),
            "note": e.note,
            "receipt_note": e.receipt_note,
        }
        for e in handover.entries.all()
    ]
    return render(
        request,
        "web/handover/detail.html",
        {
            "handover": handover,
            "entries": entries,
            "actions": allowed_actions(user=user, handover=handover),
            "documents": document_refs(handover.documents.all(), titles=True),
            "receiver_states": [(s.value, s.label) for s in RECEIVER_STATES],
            "contact_phone": full or mask_phone(handover.contact_phone),
            "contact_revealed": bool(full),
            "may_reveal": may_see_contact(user, handover) and not full,
        },
    )


#: The session key holding the list whose contact number the next page view shows in full (once:
#: a later view masks it again, and the number never rides in a URL).
REVEALED = "handover_contact_revealed"


@staff_view
@require_POST
def handover_contact(request: HttpRequest, number: str) -> HttpResponse:
    """显示号码: the receiving unit's staff see the contact's full number to call; audited."""
    user = staff(request)
    handover = _get(user, number)
    try:
        services.handover_contact(handover=handover, actor=user, request=request)
    except exceptions.APIException as exc:
        messages.error(request, problem_from(exc).message)
    else:
        request.session[REVEALED] = handover.number
    return redirect("web:handover", number=handover.number)


@staff_view
@require_POST
def handover_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """移交, 作废, 确认接收 (with each file's state as it arrived)."""
    user = staff(request)
    handover = _get(user, number)
    note = clean_text(request.POST.get("note", ""))[:2000]
    try:
        if action == "send":
            services.handover_send(handover=handover, actor=user, note=note)
            messages.success(
                request,
                _("已移交：%(to)s 确认接收后，本页显示回执。请将纸质材料连同打印的清单送达。")
                % {"to": handover.to_unit.name},
            )
        elif action == "cancel":
            services.handover_cancel(handover=handover, actor=user, note=note)
            messages.success(request, _("清单已作废，其中的办件可列入新的清单。"))
        elif action == "confirm":
            receipts = []
            for entry in handover.entries.all():
                state = request.POST.get(f"state_{entry.case.number}", EntryState.RECEIVED)
                receipts.append(
                    services.ReceiptInput(
                        case=entry.case.number,
                        state=state,
                        note=clean_text(request.POST.get(f"receipt_{entry.case.number}", ""))[:500],
                    )
                )
            confirmed = services.handover_confirm(handover=handover, actor=user, receipts=receipts, note=note)
            messages.success(
                request,
                _("已确认接收（%(status)s），回执已出具。") % {"status": confirmed.get_status_display()},
            )
        else:
            raise Http404(_("没有这个操作。"))
    except exceptions.APIException as exc:
        messages.error(request, problem_from(exc).message)
    return redirect("web:handover", number=handover.number)
