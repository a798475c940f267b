"""Remember the client address of the current request for the audit log.

Services take an explicit ``actor`` but not the request; the client address is the one
piece of request context the audit event needs, so it is kept in a context variable
set here and read by ``audit.services.record``. It is not used for any business rule.
"""

import contextvars

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request.META.get("REMOTE_ADDR", "") or "")
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)


class RefusalMiddleware:
    """Note every 403 and 404 answered to a signed-in person or an API token holder
    (audit.refusals: recorded without taking the audit chain's lock)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            from .refusals import note

            note(request, response)
        return response
