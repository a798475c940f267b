"""Chinese labels for everything the audit log records (等保: the audit page shows no raw
codes or dicts). The actions, target types and keys are read from the source
(``audit/tests/source.py``), so an action added without a label fails here."""

import re

import pytest

from audit import labels
from audit.models import AuditEvent
from audit.tests.source import scan

HAN = re.compile(r"[\u4e00-\u9fff]")

# Written by the login, password and second-factor code and by refused document access
# (other parts of the trust issue): their labels must be here before they land.
ANNOUNCED = ["auth.login", "auth.logout", "auth.login_failed", "auth.lockout", "auth.unlock", "auth.password_change",
             "auth.otp_setup", "auth.otp_failed", "auth.otp_verified", "access.refused"]


@pytest.fixture(scope="module")
def source():
    return scan()


def test_the_scanner_understands_every_way_an_action_is_built(source):
    assert not source.unexpanded, (
        "record(action=…) built in a way audit/tests/source.py cannot expand: write it as a literal or teach "
        f"the scanner (TABLES): {source.unexpanded}")
    # It does expand the wrappers: the flow engine's operations, supervision's kinds, the
    # drafting outputs, the reminder's two actions.
    assert {"flow.send_on", "flow.countersign_request", "flow.duty_ack", "supervision.open", "supervision.stall",
            "drafting.proof", "drafting.final", "deadlines.remind", "deadlines.escalate",
            "deadlines.rule.create", "deadlines.rule.update"} <= set(source.actions)
    assert len(source.actions) > 100


def test_every_recorded_action_has_a_chinese_label(source):
    missing = {a: where for a, where in source.actions.items() if a not in labels.ACTIONS}
    assert not missing, f"audit actions without a Chinese label in audit/labels.py ACTIONS: {missing}"
    for action in source.actions:
        assert HAN.search(labels.action_label(action)), action
        assert labels.group_of(action) in labels.GROUPS, f"{action}: its group has no label in GROUPS"


def test_announced_actions_have_labels():
    for action in ANNOUNCED:
        assert HAN.search(labels.ACTIONS[action]), action
    assert labels.action_label("auth.login_failed") == "登录失败"
    assert labels.action_label("access.refused") == "拒绝访问公文"


def test_every_label_is_chinese_and_names_no_code():
    for code, label in labels.ACTIONS.items():
        assert HAN.search(label) and code not in label and not re.search(r"[a-z_]{3,}\.", label), code
    for group, label in labels.GROUPS.items():
        assert HAN.search(label), group
    # an action from an older release still reads in words
    assert labels.action_label("flow.teleport") == "公文流转：未登记的操作"


def test_every_target_type_has_a_chinese_name(source):
    for target_type in list(source.target_types) + list(labels.project_models()):
        assert HAN.search(labels.target_type_label(target_type)) and labels.target_type_label(target_type) != "其他对象", \
            f"{target_type}: add a Chinese verbose_name to the model or a label to audit/labels.py TARGETS"
    assert labels.target_label("Document", "12") == "公文 #12"


def test_every_key_of_old_and_new_has_a_chinese_name(source):
    missing = {k: where[:2] for k, where in source.keys.items() if not labels.field_label(k)}
    assert not missing, f"keys of old/new without a Chinese name in audit/labels.py FIELD_LABELS: {missing}"


def test_values_are_rendered_in_words(office):
    o = office
    refs = labels.Refs.load([AuditEvent(old={"unit": o.div_a.pk}, new={"to": [o.clerk.pk, o.director.pk],
                                                                      "agency": o.gov.pk})])
    rows = labels.changes({"is_active": True, "unit": o.div_a.pk},
                          {"is_active": False, "to": [o.clerk.pk, o.director.pk], "agency": o.gov.pk,
                           "due_at": "2026-03-08T01:30:00+00:00", "kind": "handler", "document": 7,
                           "sha256": "ab" * 32, "nodes": [{"key": "a", "name": "登记"}, {"key": "b", "name": "拟办"}]},
                          "Post", refs)
    text = {r.key: str(r) for r in rows}
    assert text["is_active"] == "启用：是 → 否"
    assert text["to"] == f"接收人：{o.clerk.name}、{o.director.name}"
    assert text["agency"] == f"机关：{o.gov.name}"
    assert text["due_at"] == "办理时限：2026年3月8日 09:30"
    assert text["kind"].endswith("承办人")
    assert text["document"] == "公文：#7"
    assert text["sha256"] == "摘要（SHA-256）：abababababab…（64 位）"
    assert text["nodes"] == "环节：登记、拟办"
    assert text["unit"] == f"所在处室：{o.div_a.name}（原值）"  # the target model's own verbose_name
    assert labels.changes(None, None) == []
    assert str(labels.changes(None, ["a", "b"])[0]) == "内容：a、b"
