"""The registry of case actions (``cases.actions``) and the transitions table (``cases.workflow``)
describe the same actions; the API, the case page and the docs read the registry."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from yichuang.cases.actions import CASE_ACTIONS, action_label, actions_table
from yichuang.cases.workflow import TRANSITIONS
from yichuang.web.forms import action_form_class

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_registry_and_the_transitions_table_name_the_same_actions():
    assert set(CASE_ACTIONS) == {action for (_status, action) in TRANSITIONS}


def test_every_action_says_who_may_take_it():
    for action in CASE_ACTIONS.values():
        assert action.roles or action.reviewer, f"nobody but the administrator may {action.name}"
        assert str(action.who)


def test_every_action_has_a_form_on_the_case_page_for_its_inputs():
    for name, action in CASE_ACTIONS.items():
        form = action_form_class(name)()
        for given in action.input_names:
            assert given in form.fields or given in ("missing", "materials"), (name, given)


def test_the_buttons_speak_chinese_first_and_english_when_asked():
    with translation.override("zh-hans"):
        assert action_label("accept") == "受理"
        assert action_label("submit") == "提交申请"
        assert action_label("handover_sent") == "移交寄出"
    with translation.override("en"):
        assert action_label("accept") == "Accept"
        assert action_label("review") == "Start review"


def test_an_unknown_timeline_line_is_shown_as_it_is_stored():
    assert action_label("imported") == "imported"


def test_the_docs_show_the_registry_as_it_is():
    """docs/architecture.md carries ``actions_table()``; after a change to the registry, paste it
    again (``python -c "from yichuang.cases.actions import actions_table; print(actions_table())"``
    under ``manage.py shell``)."""
    with translation.override("zh-hans"):
        table = actions_table()
    assert table in (DOCS / "architecture.md").read_text(encoding="utf-8")
