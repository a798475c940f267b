"""Process templates (流程模板), for the system administrator: read them with their nodes,
replace the nodes of one. Running processes keep the nodes they started with."""

from ninja import Router

from flow import template_services
from flow.models import ProcessTemplate
from gongwen.errors import NotFound
from org.access import require_manage_org

from ..common import ERRORS_WRITE, PathId, caller
from ..errors import error_responses
from ..schemas import TemplateNodesIn, TemplateOut

router = Router(tags=["流程模板"])


def _templates():
    return ProcessTemplate.objects.prefetch_related("nodes").order_by("agency_id", "direction", "slip_kind", "id")


@router.get("", response={200: list[TemplateOut], **error_responses(401, 403)}, summary="流程模板及其环节（系统管理员）")
def list_templates(request):
    require_manage_org(caller(request))
    return list(_templates())


@router.put("/{template_id}/nodes", response={200: TemplateOut, **error_responses(*ERRORS_WRITE)},
            summary="修改模板环节（系统管理员）", description="整体替换模板的环节列表；运行中的流程不受影响。")
def save_nodes(request, template_id: PathId, payload: TemplateNodesIn):
    template = ProcessTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound("未找到该流程模板。")
    template = template_services.save_template(
        actor=caller(request), template=template, nodes=[n.dict() for n in payload.nodes], name=payload.name,
        is_active=payload.is_active)
    return _templates().get(pk=template.pk)
