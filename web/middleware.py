"""Refuse form input carrying control characters before it reaches a service.

PostgreSQL cannot store NUL in text, and no field of an official document legitimately
holds control characters; a browser never sends them, so they mean a broken client or a
probe. The API refuses them in its schemas; this does the same for the pages.
"""

import re

from . import error_pages

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control(querydict) -> bool:
    return any(CONTROL.search(value) for values in querydict.lists() for value in values[1] if isinstance(value, str))


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if _has_control(request.GET) or (request.method == "POST" and _has_control(request.POST)):
            return error_pages.bad_request(request, message="提交的内容含有非法控制字符，未做任何改动。请删除后重新提交。")
        return self.get_response(request)
