"""ui.views.run_service: the tail a page writes after calling a service."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404
from django.test import RequestFactory

from gongwen.errors import DomainError, NotFound
from ui.views import run_service


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _said(request):
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _refused():
    raise DomainError("不能这样办。")


def _missing():
    raise NotFound("未找到该公文或您无权查看。")


def test_success_shows_the_message_made_from_the_result():
    request = _request()
    done = run_service(request, lambda: 7, success=lambda n: f"已办{n}件。")
    assert done and done.result == 7 and _said(request) == [("success", "已办7件。")]
    request = _request()
    assert run_service(request, lambda: None, success="已保存。") and _said(request) == [("success", "已保存。")]
    request = _request()
    assert run_service(request, lambda: None) and _said(request) == []


def test_a_refusal_is_shown_and_nothing_else():
    request = _request()
    done = run_service(request, _refused, success="已保存。", not_found=True)
    assert not done and done.result is None and _said(request) == [("error", "不能这样办。")]


def test_not_found_is_a_404_when_asked_and_a_refusal_otherwise():
    with pytest.raises(Http404) as raised:
        run_service(_request(), _missing, not_found="未找到该印章。")
    assert str(raised.value) == "未找到该印章。"
    with pytest.raises(Http404) as raised:
        run_service(_request(), _missing, not_found=True)
    assert str(raised.value) == ""
    request = _request()
    assert not run_service(request, _missing) and _said(request) == [("error", "未找到该公文或您无权查看。")]
