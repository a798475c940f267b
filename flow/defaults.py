"""The default process templates shipped with the system: the three incoming processing
slips (RULES.md §5) and the two outgoing drafting forms (发文稿纸, RULES.md §4: the
"六次校核" chain for policy documents, a shorter one for routine documents). Installed by a data migration; the system administrator
edits them (or an agency's own copy) in the template page."""

from documents.models import Direction, SlipKind

from .models import AssigneeRule as R
from .models import Condition as C
from .models import Mode as M
from .models import NodeKind as K
from .models import Operation as O

INCOMING_NODES = [
    # key, name, kind, rule, post, mode, mode_choosable, operations, gates, condition
    ("sign_for", "签收", K.SIGN_FOR, R.POST, "clerk", M.ANY, False, [O.SEND_ON, O.REJECT], [], C.ALWAYS),
    ("register", "登记", K.REGISTER, R.POST, "clerk", M.ANY, False, [O.SEND_ON, O.REJECT, O.TRANSFER],
     ["registered"], C.ALWAYS),
    ("screen", "初审", K.SCREEN, R.POST, "secretary", M.ANY, False,
     [O.SEND_ON, O.RETURN, O.REJECT, O.TRANSFER, O.ADD_SIGNER], ["urgent_has_deadline"], C.ALWAYS),
    ("propose", "拟办", K.PROPOSE, R.POST, "office_director", M.ANY, False,
     [O.SEND_ON, O.RETURN, O.TRANSFER, O.ADD_SIGNER, O.COMPLETE], ["urgent_has_deadline"], C.ALWAYS),
    ("instruct", "领导批示", K.INSTRUCT, R.CHOSEN, "", M.SEQUENTIAL, True,
     [O.SEND_ON, O.RETURN, O.ADD_SIGNER, O.COMPLETE], [], C.ALWAYS),
    ("distribute", "分办", K.DISTRIBUTE, R.POST, "secretary", M.ANY, False, [O.SEND_ON, O.RETURN, O.TRANSFER],
     ["lead_unit_chosen"], C.ALWAYS),
    ("handle", "承办", K.HANDLE, R.LEAD_UNIT_HEAD, "", M.ANY, False,
     [O.SEND_ON, O.RETURN, O.ASSIGN, O.TRANSFER, O.ADD_SIGNER, O.COUNTERSIGN, O.COMPLETE], [], C.ALWAYS),
    ("approve", "领导审定", K.APPROVE, R.LEADER_IN_CHARGE, "", M.SINGLE, False,
     [O.SEND_ON, O.RETURN, O.ADD_SIGNER], [], C.NEEDS_LEADER_APPROVAL),
    ("reply", "答复", K.REPLY, R.LEAD_HANDLER, "", M.SINGLE, False, [O.SEND_ON, O.RETURN, O.TRANSFER],
     ["leader_approved_reply"], C.NEEDS_REPLY),
    ("complete", "办结", K.COMPLETE, R.REGISTRAR, "", M.SINGLE, False, [O.COMPLETE, O.RETURN],
     ["leader_approved_reply"], C.ALWAYS),
]

REVIEW_OPS = [O.SEND_ON, O.RETURN, O.TRANSFER, O.ADD_SIGNER]
OUTGOING_NODES = [
    # The drafter writes the draft and asks units (会签) for their agreement; the office
    # reviews it in turn; the leader signs it off; the office rechecks it (复核: a body
    # changed since sign-off goes back to the signer), numbers, proofs, seals, dispatches.
    ("draft", "拟稿", K.DRAFT, R.DRAFTER, "", M.SINGLE, False, [O.SEND_ON, O.COUNTERSIGN, O.ADD_SIGNER], [], C.ALWAYS),
    ("unit_review", "处室审核", K.REVIEW, R.LEAD_UNIT_HEAD, "", M.ANY, False,
     [O.SEND_ON, O.RETURN, O.COUNTERSIGN, O.ADD_SIGNER], [], C.ALWAYS),
    ("first_review", "初核", K.REVIEW, R.POST, "secretary", M.ANY, False, REVIEW_OPS, [], C.ALWAYS),
    ("second_review", "复核", K.REVIEW, R.POST, "secretary", M.ANY, False, REVIEW_OPS, [], C.ALWAYS),
    ("office_review", "办公室领导审核", K.REVIEW, R.POST, "office_director", M.ANY, False, REVIEW_OPS, [], C.ALWAYS),
    ("leader_review", "领导审核", K.REVIEW, R.LEADER_IN_CHARGE, "", M.SINGLE, False,
     [O.SEND_ON, O.RETURN, O.ADD_SIGNER], [], C.ALWAYS),
    ("sign_off", "签发", K.SIGN_OFF, R.SIGNER, "", M.SEQUENTIAL, True, [O.SEND_ON, O.RETURN, O.ADD_SIGNER], [],
     C.ALWAYS),
    ("recheck", "签发后复核", K.RECHECK, R.POST, "secretary", M.ANY, False, [O.SEND_ON, O.RETURN], [], C.ALWAYS),
    ("number", "编号", K.NUMBER, R.POST, "clerk", M.ANY, False, [O.SEND_ON, O.RETURN], [], C.ALWAYS),
    ("proof", "清样审核", K.REVIEW, R.DRAFTER, "", M.SINGLE, False, [O.SEND_ON, O.RETURN], [], C.ALWAYS),
    ("final", "成品审核", K.REVIEW, R.POST, "secretary", M.ANY, False, [O.SEND_ON, O.RETURN], [], C.ALWAYS),
    ("seal", "用印", K.SEAL, R.POST, "seal_keeper", M.ANY, False, [O.SEND_ON, O.RETURN], [], C.ALWAYS),
    ("dispatch", "分发", K.DISPATCH, R.POST, "clerk", M.ANY, False, [O.COMPLETE, O.RETURN], [], C.ALWAYS),
]
ROUTINE_KEYS = ("draft", "unit_review", "first_review", "office_review", "sign_off", "recheck", "number", "seal",
                "dispatch")

TEMPLATES = [
    (SlipKind.RELAY, "传文处理流程（上级来文）", [n for n in INCOMING_NODES]),
    (SlipKind.INTAKE, "收文处理流程（部门、下级来文）", [n for n in INCOMING_NODES]),
    (SlipKind.MISC, "零星收文处理流程（简报、来信等）", [n for n in INCOMING_NODES if n[0] != "screen"]),
    (SlipKind.POLICY, "发文流程（政策性文件，六次校核）", OUTGOING_NODES),
    (SlipKind.ROUTINE, "发文流程（一般文件）", [n for n in OUTGOING_NODES if n[0] in ROUTINE_KEYS]),
]
DIRECTIONS = {SlipKind.POLICY: Direction.OUTGOING, SlipKind.ROUTINE: Direction.OUTGOING}


def install(ProcessTemplate, NodeDefinition) -> int:
    """Create the default templates that are missing; never touches an existing one."""
    created = 0
    for slip_kind, name, nodes in TEMPLATES:
        template, made = ProcessTemplate.objects.get_or_create(
            agency=None, direction=DIRECTIONS.get(slip_kind, Direction.INCOMING), slip_kind=slip_kind,
            defaults={"name": name})
        if not made:
            continue
        created += 1
        for position, (key, nname, kind, rule, post, mode, choosable, ops, gates, cond) in enumerate(nodes, start=1):
            NodeDefinition.objects.create(
                template=template, position=position, key=key, name=nname, kind=str(kind), assignee_rule=str(rule),
                post_kind=post, mode=str(mode), mode_choosable=choosable, operations=[str(o) for o in ops],
                gates=list(gates), condition=str(cond))
    return created
