"""Chinese words for what the audit log records: every action (操作), its group, every
target type (对象类型), and a readable rendering of the old and new values.

The audit log stores machine codes (``flow.send_on``, ``{"to": [12], "document": 7}``) so
that the hash chain and the API stay stable; the auditor reads Chinese. This module is the
one table between the two: the audit page, its Excel export and the API's labelled fields
all go through it. ``audit/tests/test_labels.py`` reads every ``record(action=…)`` in the
source and fails when an action has no label here, so a new action cannot reach the page
as a raw code.

Field names are taken from the target model's ``verbose_name`` when it has a Chinese one,
then from :data:`FIELD_LABELS`; coded values from the models' ``choices``; ids of people,
units and agencies become names (looked up once per page, :func:`annotate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.utils import timezone

# --- actions ----------------------------------------------------------------------------------

GROUPS: dict[str, str] = {
    "auth": "登录与身份鉴别",
    "access": "访问控制",
    "audit": "安全审计",
    "org": "组织机构与人员",
    "api": "接口令牌",
    "documents": "收文登记与文件",
    "flow": "公文流转",
    "drafting": "拟稿与发文",
    "sealing": "电子印章与用印",
    "exchange": "公文交换",
    "secrecy": "密件管理",
    "deadlines": "办理时限与催办",
    "supervision": "督查督办",
    "archive": "归档",
}

ACTIONS: dict[str, str] = {
    # 登录与身份鉴别 (written by the login, password and second-factor code)
    "auth.login": "登录成功",
    "auth.logout": "退出登录",
    "auth.logout_all": "退出全部登录",
    "auth.login_failed": "登录失败",
    "auth.lockout": "账号被锁定",
    "auth.unlock": "解除账号锁定",
    "auth.password_change": "修改密码",
    "auth.password_reset": "重置密码",
    "auth.password_reset_second_part": "查看重置密码的第二段",
    "auth.otp_setup": "设置双因素认证",
    "auth.otp_reset": "重置双因素认证",
    "auth.otp_failed": "动态口令验证失败",
    "auth.otp_verified": "动态口令验证通过",
    # 访问控制
    "access.refused": "拒绝访问公文",
    # 安全审计
    "audit.checkpoint": "写入审计检查点",
    # 组织机构与人员
    "org.bootstrap": "初始化系统管理员",
    "org.agency.create": "新增机关",
    "org.agency.update": "修改机关",
    "org.unit.create": "新增处室",
    "org.unit.update": "修改处室",
    "org.person.create": "新增人员",
    "org.person.update": "修改人员信息",
    "org.person.active": "启用或停用账号",
    "org.post.grant": "授予岗位",
    "org.post.revoke": "撤销岗位",
    "org.clearance.set": "设置涉密等级",
    "org.admin_role.set": "设置管理员角色",
    "org.delegation.create": "设置委托",
    "org.delegation.cancel": "取消委托",
    "org.duty.add": "排班",
    "org.duty.remove": "取消排班",
    "org.import": "导入组织机构",
    "org.demo.passwords": "设置演示账号密码",
    # 接口令牌
    "api.token.issue": "签发接口令牌",
    "api.token.revoke": "吊销接口令牌",
    # 收文登记与文件
    "documents.register": "收文登记",
    "documents.submit_direct": "直送领导件",
    "documents.file.upload": "上传文件",
    # 公文流转
    "flow.send_on": "送下一步",
    "flow.feedback": "加签反馈",
    "flow.return": "退回",
    "flow.add_signer": "加签",
    "flow.transfer": "转办",
    "flow.assign": "指定承办人",
    "flow.recall": "撤回",
    "flow.circulate": "传阅",
    "flow.read_back": "阅毕退回",
    "flow.duty_copy": "送值班人员知悉",
    "flow.duty_ack": "值班人员知悉",
    "flow.countersign_request": "征求会签",
    "flow.countersign": "会签",
    "flow.resolve": "分歧处理",
    "flow.complete": "办结",
    "flow.reject": "退文",
    "flow.template.update": "修改流程模板",
    "flow.phrasebook.defaults": "设置默认常用语",
    # 拟稿与发文
    "drafting.create": "拟稿",
    "drafting.update": "修改发文要素",
    "drafting.body.save": "保存正文",
    "drafting.keep_finding": "检查意见确认不改",
    "drafting.sign_off": "签发",
    "drafting.joint_request": "请联合发文机关签发",
    "drafting.joint_sign": "联合发文机关在线签发",
    "drafting.joint_sign_off": "登记联合发文机关签发",
    "drafting.joint_decline": "联合发文机关不同意签发",
    "drafting.joint_withdraw": "撤回联合签发请求",
    "drafting.number": "编号（取得发文字号）",
    "drafting.void_number": "作废发文字号",
    "drafting.record_number": "登记已有文号",
    "drafting.proof": "生成清样",
    "drafting.final": "生成成品",
    "drafting.demo.series": "设置演示发文代字",
    # 电子印章与用印
    "sealing.register": "登记电子印章",
    "sealing.change_keeper": "更换印章管理员",
    "sealing.deactivate": "停用电子印章",
    "sealing.seal": "用印",
    "sealing.void": "用印作废",
    # 公文交换
    "exchange.dispatch": "分发",
    "exchange.receipt": "回执",
    "exchange.paper_receipt": "登记纸质回执",
    "exchange.start_forwarding": "转报",
    "exchange.package_export": "导出交换包",
    "exchange.package_import": "导入交换包",
    "exchange.package_refused": "拒收交换包",
    "exchange.receipt_package_export": "导出回执包",
    "exchange.receipt_package_import": "导入回执包",
    "exchange.key_register": "登记外部交换公钥",
    "exchange.key_revoke": "停用外部交换公钥",
    # 密件管理
    "secrecy.register": "密件登记",
    "secrecy.scope.add": "扩大知悉范围",
    "secrecy.copy.issue": "分发密件份号",
    "secrecy.copy.sign": "签收密件",
    "secrecy.copy.pass_on": "移交密件",
    "secrecy.copy.add": "复制密件",
    "secrecy.return.request": "发起清退",
    "secrecy.return.confirm": "确认清退",
    "secrecy.destruction.request": "申请销毁",
    "secrecy.destruction.approve": "审批销毁",
    "secrecy.destruction.execute": "执行销毁",
    # 办理时限与催办
    "deadlines.enter_year": "录入年度节假日安排",
    "deadlines.set_day": "调整节假日与调休",
    "deadlines.set_working_hours": "设置作息时间",
    "deadlines.rule.create": "新增办理时限规则",
    "deadlines.rule.update": "修改办理时限规则",
    "deadlines.rule.deactivate": "停用办理时限规则",
    "deadlines.reminder_policy": "修改催办设置",
    "deadlines.remind": "催办",
    "deadlines.escalate": "逾期督促",
    "deadlines.request_extension": "申请延期",
    "deadlines.decide_extension": "审批延期",
    "deadlines.record_sender_agreement": "登记来文单位同意延期",
    "deadlines.resolve_pending": "确定时限待定的办理时限",
    # 督查督办
    "supervision.open": "立项督办",
    "supervision.attach": "再次批示",
    "supervision.report": "报送进展",
    "supervision.final": "报送办结报告",
    "supervision.accept": "办结报告审核通过",
    "supervision.return": "办结报告退回补充",
    "supervision.close": "办结销号",
    "supervision.chase": "督办催办",
    "supervision.stall": "停滞督促",
    "supervision.error_correction": "登记审核纠错",
    # 归档
    "archive.settings": "修改归档设置",
    "archive.schedule": "修改保管期限表",
    "archive.file": "归档",
    "archive.package.request": "申请年度归档包",
    "archive.package.done": "生成年度归档包",
}


def group_of(action: str) -> str:
    return action.split(".", 1)[0]


def group_label(group: str) -> str:
    return GROUPS.get(group, "其他")


def action_label(action: str) -> str:
    """The Chinese name of an action; an action missing from the table (an older release's,
    say) is still shown in words, never as its code alone."""
    label = ACTIONS.get(action)
    if label:
        return label
    return f"{group_label(group_of(action))}：未登记的操作"


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Filter options: per group, the whole group first, then its actions."""
    result = []
    for group, label in GROUPS.items():
        members = [(code, name) for code, name in ACTIONS.items() if group_of(code) == group]
        result.append((label, [(group, f"全部“{label}”操作")] + members))
    return result


def actions_matching(text: str) -> list[str]:
    """Action codes whose label or group label contains ``text`` (the free-text search)."""
    text = text.strip()
    if not text:
        return []
    return [code for code, label in ACTIONS.items() if text in label or text in group_label(group_of(code))]


# --- target types -------------------------------------------------------------------------------

# Targets given as ("Type", id) rather than a model instance, and models whose verbose_name
# is still English.
TARGETS: dict[str, str] = {
    "DemoOffice": "演示数据",
    "OrgImport": "组织机构导入",
    "AuditCheckpoint": "审计检查点",
    "Login": "登录账号",
    "LoginAddress": "登录地址",
    "User": "账号",
    "FileVersion": "文件版本",
    "PhraseBook": "常用语",
    "CheckOverride": "检查意见确认不改",
    "Activation": "流程环节",
    "VersionText": "正文文本",
    "JointIssuer": "联合发文机关",
    "Recipient": "主送抄送机关",
    "RegistryCounter": "收文编号计数",
    "NumberCounter": "发文字号计数",
    "ItemCounter": "归档件号计数",
    "ItemDocument": "归档文件（件）组成",
    "SearchState": "检索状态",
    "Path": "访问的页面或接口",
}

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _chinese(text) -> bool:
    return bool(text) and bool(_HAN.search(str(text)))


@cache
def project_models() -> dict[str, type]:
    """The project's own models by class name (the target type the log stores)."""
    base = str(settings.BASE_DIR)
    result = {}
    for config in apps.get_app_configs():
        if str(config.path).startswith(base) and ".venv" not in str(config.path):
            for model in config.get_models():
                result.setdefault(model.__name__, model)
    return result


def target_type_label(target_type: str) -> str:
    if target_type in TARGETS:
        return TARGETS[target_type]
    model = project_models().get(target_type)
    if model is not None and _chinese(model._meta.verbose_name):
        return str(model._meta.verbose_name)
    return "其他对象"


def target_label(target_type: str, target_id: str) -> str:
    """公文 #12; the id is kept (the auditor looks it up), the type is in words."""
    label = target_type_label(target_type)
    return f"{label} #{target_id}" if target_id not in ("", "None") else label


# --- old and new values -------------------------------------------------------------------------

FIELD_LABELS: dict[str, str] = {
    "accounts": "账号数", "active": "启用", "adjacent": "相邻记录", "administrators": "管理员",
    "agency": "机关", "agreed_with": "同意人", "answers": "答复", "approved": "同意",
    "archive_code": "档号", "at": "时间", "at_half": "时限过半时提醒", "before_minutes": "到期前提醒（分钟）",
    "body_version": "正文版本", "category": "类别", "category_code": "类别代码", "changed": "修改的要素",
    "channel": "渠道", "clearance": "涉密等级", "code": "代码", "codes": "代字", "consent": "本人同意",
    "copies": "份数或份号", "custodian": "保管人", "decision": "意见选择", "default_unit_code": "默认机构代码",
    "deliveries": "分发记录", "delivery": "分发记录", "description": "说明", "direct": "直送",
    "doc_number": "文号", "doc_type": "文种", "document": "公文", "documents": "公文", "docx": "DOCX 文件",
    "due_at": "办理时限", "ends_at": "结束时间", "error_category": "差错类别",
    "escalate_head_after": "逾期后提醒处长（分钟）", "escalate_leader_after": "逾期后提醒领导（分钟）",
    "file": "文件", "files": "文件", "final_version": "成品版本", "fingerprint": "公钥指纹", "flags": "标记",
    "fonds_code": "全宗号", "forwarded_from": "原件", "from": "原持有人", "holder": "持有人",
    "holidays": "节假日天数", "hours": "作息时间", "incoming": "收文", "instruction_count": "批示次数",
    "is_active": "启用", "is_workday": "工作日", "item": "事项", "items": "事项", "keeper": "印章管理员",
    "kind": "类别", "late": "迟报", "late_reason": "迟报原因", "lead_unit": "牵头单位", "leader": "领导",
    "message": "内容", "metadata_only": "仅归档目录信息", "method": "方式", "mode": "方式",
    "multi_submission": "多头报送", "name": "名称", "note": "备注", "notes": "备注", "nodes": "环节",
    "number": "编号", "old_due_at": "原办理时限", "on_behalf_of": "被代理人", "opinion": "意见",
    "override_reason": "理由", "pages": "页数", "pdf": "PDF 文件", "pdf_sha256": "PDF 摘要（SHA-256）",
    "people": "人员", "person": "人员", "phrases": "常用语", "place": "位置", "post_kind": "岗位",
    "prefix": "令牌前缀", "previous_status": "原状态", "public_key": "公钥", "readers": "传阅人",
    "reason": "理由", "receipt": "回执", "recipient": "接收人", "recipients": "接收人",
    "registration": "密件登记号", "registry_number": "收文编号", "report": "报告", "request": "请求",
    "requested_due_at": "申请的办理时限", "responsible": "责任人", "retention": "保管期限", "role": "角色",
    "rows": "条目", "rule": "规则", "seal": "印章", "secrecy": "密级", "send_email": "同时发送邮件",
    "sender": "来文机关", "sha256": "摘要（SHA-256）", "signature": "签名", "signed_by": "签收人",
    "signed_on": "签发日期", "signoffs": "签发", "size": "大小（字节）", "sm3": "摘要（SM3）",
    "source": "来源", "stalled_at": "停滞时间", "starts_at": "开始时间", "state": "状态", "task": "待办",
    "tasks": "待办", "tasks_moved": "移交的待办", "title": "标题", "to": "接收人", "to_node": "送往环节",
    "unit": "处室", "unit_at_fault": "责任单位", "unit_codes": "机构代码", "units": "处室",
    "units_in_charge": "分管处室", "username": "登录名", "version": "版本", "warnings": "排版提示",
    "witness": "监销人", "workdays": "工作日天数", "year": "年度",
    "skipped": "跳过的文号", "voiding": "作废记录",
    # 登录与身份鉴别, 访问控制, 审计检查点
    "address": "客户端地址", "ip_address": "客户端地址", "attempts": "失败次数", "until": "锁定至", "seq": "序号",
    "hash": "哈希", "path": "路径", "user_agent": "浏览器", "failures": "失败次数", "device": "双因素认证设备",
    "second_factor": "双因素认证", "password_change": "密码修改要求", "locked": "锁定", "sessions": "会话数", "devices": "身份验证器数",
    "expires_at": "到期时间", "must_change": "须在下次登录时修改密码", "detail": "详情", "replaced": "替换原设备",
    "failure_limit": "失败次数上限", "minutes": "分钟数", "by": "执行者", "stage": "环节", "key": "对象",
}

# Keys whose meaning depends on the target.
TARGET_FIELD_LABELS: dict[tuple[str, str], str] = {
    ("Delegation", "from"): "委托人", ("Delegation", "to"): "受托人",
    ("ClassifiedCopy", "from"): "原持有人", ("ClassifiedCopy", "to"): "移交给",
}

# Coded string values written by the services, per key (choices of the models are found
# on their own; these are the codes no model field declares).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "by": {"self": "本人", "administrator": "管理员"},
    "reason": {"self": "本人退出", "idle": "超时未操作", "everywhere": "退出全部登录"},
    "stage": {"setup": "设置", "verify": "验证"},
    "second_factor": {"verify": "须输入动态口令", "setup": "须设置身份验证器"},
    "password_change": {"initial": "首次登录须修改", "expired": "密码已过期须修改"},
    "detail": {"throttled": "尝试过于频繁，暂停验证"},
    "kind": {"account": "账号", "address": "地址"},
    "locked": {"account": "账号", "address": "地址"},
    "source": {"load_demo": "载入演示数据"},
}

# Keys stored under another name than the model field whose choices label their values.
CHOICE_ALIASES: dict[str, tuple[str, ...]] = {
    "role": ("admin_role",), "previous_status": ("status",), "mode": ("body_mode",), "post_kind": ("kind",),
}

# Keys whose integer values are ids of people, units or agencies: shown by name.
PERSON_KEYS = {"to", "people", "readers", "recipients", "recipient", "person", "keeper", "leader", "holder",
               "responsible", "from", "on_behalf_of", "agreed_with", "custodian", "witness", "signed_by"}
UNIT_KEYS = {"unit", "units", "lead_unit", "unit_at_fault", "units_in_charge"}
AGENCY_KEYS = {"agency", "sender"}
NODE_KEYS = {"to_node"}  # a node's key in the process template: shown by the node's name
# Keys whose integer values are counts or numbers, not ids (other integers are shown as #id).
COUNT_KEYS = {"year", "pages", "copies", "size", "accounts", "instruction_count", "holidays", "workdays",
              "before_minutes", "escalate_head_after", "escalate_leader_after", "seq", "attempts", "failures",
              "number", "tasks", "documents", "tasks_moved", "version", "body_version", "final_version", "sessions",
              "failure_limit", "minutes", "phrases"}
EMPTY = "（空）"
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")


@cache
def _field_index() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Chinese verbose names and choice labels of every field of the project's models, by
    field name (the first model that has a Chinese one wins)."""
    names: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    for model in project_models().values():
        for f in model._meta.get_fields():
            if not getattr(f, "concrete", False):
                continue
            if _chinese(getattr(f, "verbose_name", "")):
                names.setdefault(f.name, str(f.verbose_name))
            for value, label in getattr(f, "flatchoices", None) or ():
                if value not in ("", None):
                    choices.setdefault(f.name, {}).setdefault(str(value), str(label))
    return names, choices


def _model_field(target_type: str, key: str):
    model = project_models().get(target_type)
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def field_label(key: str, target_type: str = "") -> str | None:
    """The Chinese name of a key of old/new; None when nothing knows it."""
    if (target_type, key) in TARGET_FIELD_LABELS:
        return TARGET_FIELD_LABELS[(target_type, key)]
    f = _model_field(target_type, key)
    if f is not None and _chinese(getattr(f, "verbose_name", "")):
        return str(f.verbose_name)
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    return _field_index()[0].get(key)


@dataclass
class Refs:
    """Names of the people, units and agencies the shown events mention (one query each)."""

    people: dict[int, str]
    units: dict[int, str]
    agencies: dict[int, str]
    nodes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Refs:
        return cls({}, {}, {})

    @classmethod
    def load(cls, events) -> Refs:
        wanted: dict[str, set] = {"people": set(), "units": set(), "agencies": set(), "nodes": set()}
        for event in events:
            for values in (event.old, event.new):
                _collect(values, wanted)
        Person = apps.get_model("org", "Person")
        Unit = apps.get_model("org", "Unit")
        Agency = apps.get_model("org", "Agency")

        def names(model, ids):
            return dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}

        nodes = {}
        if wanted["nodes"]:
            NodeDefinition = apps.get_model("flow", "NodeDefinition")
            for key, name in (NodeDefinition.objects.filter(key__in=wanted["nodes"])
                              .order_by(F("template__agency_id").asc(nulls_first=True), "id").values_list("key", "name")):
                nodes.setdefault(key, name)  # the default templates' name first
        return cls(names(Person, wanted["people"]), names(Unit, wanted["units"]), names(Agency, wanted["agencies"]),
                   nodes)


def _ids(value) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _collect(values, wanted) -> None:
    if not isinstance(values, dict):
        return
    for key, value in values.items():
        if key in PERSON_KEYS:
            wanted["people"].update(_ids(value))
        elif key in UNIT_KEYS:
            wanted["units"].update(_ids(value))
        elif key in AGENCY_KEYS:
            wanted["agencies"].update(_ids(value))
        elif key in NODE_KEYS and isinstance(value, str):
            wanted["nodes"].add(value)


def cn_datetime(value: datetime | date) -> str:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


def _scalar(key: str, value, target_type: str, refs: Refs, in_list: bool = False) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        for keys, table in ((PERSON_KEYS, refs.people), (UNIT_KEYS, refs.units), (AGENCY_KEYS, refs.agencies)):
            if key in keys:
                return table.get(value, f"#{value}")
        return str(value) if key in COUNT_KEYS and not in_list else f"#{value}"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if text in VALUE_LABELS.get(key, {}):
        return VALUE_LABELS[key][text]
    f = _model_field(target_type, key)
    choices = dict((str(v), str(label)) for v, label in (getattr(f, "flatchoices", None) or ())) if f else {}
    if text in choices:
        return choices[text]
    for name in (key, *CHOICE_ALIASES.get(key, ())):
        if text in _field_index()[1].get(name, {}):
            return _field_index()[1][name][text]
    if key in NODE_KEYS and text in refs.nodes:
        return refs.nodes[text]
    if _ISO_DATETIME.match(text):
        try:
            return cn_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return text
    if _ISO_DATE.match(text):
        try:
            return cn_datetime(date.fromisoformat(text))
        except ValueError:
            return text
    if _HEX.match(text):
        return f"{text[:12].lower()}…（{len(text)} 位）"
    return text


def value_text(key: str, value, target_type: str = "", refs: Refs | None = None) -> str:
    """One value of old/new in words: names for ids, labels for codes, Chinese dates."""
    refs = refs or Refs.empty()
    if isinstance(value, dict):
        if not value:
            return EMPTY
        return "；".join(f"{field_label(k, target_type) or k}：{value_text(k, v, target_type, refs)}"
                        for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return EMPTY
        if all(isinstance(v, dict) for v in value):
            named = [str(v.get("name") or v.get("title") or "") for v in value]
            if all(named):
                return "、".join(named)
            return f"共 {len(value)} 项"
        return "、".join(value_text(key, v, target_type, refs) if isinstance(v, (dict, list, tuple))
                        else _scalar(key, v, target_type, refs, in_list=True) for v in value)
    return _scalar(key, value, target_type, refs)


@dataclass
class Change:
    key: str
    label: str
    old: str | None  # None: the key is not in old
    new: str | None

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}：{self.new}"
        if self.new is None:
            return f"{self.label}：{self.old}（原值）"
        return f"{self.label}：{self.old} → {self.new}"


def changes(old, new, target_type: str = "", refs: Refs | None = None) -> list[Change]:
    """The old and new values of an event as labelled rows, in the order the service wrote them."""
    refs = refs or Refs.empty()
    if old in (None, {}, [], "") and new in (None, {}, [], ""):
        return []
    if not all(v is None or isinstance(v, dict) for v in (old, new)):
        return [Change("", "内容", None if old is None else value_text("", old, target_type, refs),
                       None if new is None else value_text("", new, target_type, refs))]
    old, new = old or {}, new or {}
    rows = []
    for key in list(new) + [k for k in old if k not in new]:
        rows.append(Change(key, field_label(key, target_type) or key,
                           value_text(key, old[key], target_type, refs) if key in old else None,
                           value_text(key, new[key], target_type, refs) if key in new else None))
    return rows


def annotate(events) -> list:
    """Attach ``action_label``, ``group_label``, ``target_label`` and ``changes`` to each event
    (a list, evaluated once; the names of people, units and agencies in one query each)."""
    events = list(events)
    refs = Refs.load(events)
    for event in events:
        event.action_label = action_label(event.action)
        event.group_label = group_label(group_of(event.action))
        event.target_type_label = target_type_label(event.target_type)
        event.target_label = target_label(event.target_type, event.target_id)
        event.changes = changes(event.old, event.new, event.target_type, refs)
        event.changes_text = "；".join(str(c) for c in event.changes)
    return events
