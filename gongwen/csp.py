"""The Content-Security-Policy middleware: django-csp's, with two adaptations for the
files a document page opens in the browser.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings. django-csp sends the same
policy on every response; two kinds of response need a little more, and the rules live
here, next to the policy, rather than as decorators scattered over views:

* A PDF shown inline (查看 on the files panel) is rendered by Chromium's built-in viewer
  through an internal ``<embed>`` of the PDF's own URL, which ``object-src 'none'`` blocks
  (crbug.com/271452): a PDF response allows ``object-src 'self'``. The PDF runs no script
  of the page under this policy either way.
* A view that allows being framed by the office's own pages (Django's
  ``@xframe_options_sameorigin``, which sets ``X-Frame-Options: SAMEORIGIN``) keeps that
  permission: modern browsers obey ``frame-ancestors`` over ``X-Frame-Options``, so the
  policy says ``frame-ancestors 'self'`` for it instead of ``'none'``.
"""

from csp.constants import SELF
from csp.middleware import CSPMiddleware as _DjangoCSPMiddleware
from csp.middleware import PolicyParts


class CSPMiddleware(_DjangoCSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        replace = dict(parts.replace or {})
        if response.get("Content-Type", "").split(";")[0].strip().lower() == "application/pdf":
            replace.setdefault("object-src", [SELF])
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            replace.setdefault("frame-ancestors", [SELF])
        if replace:
            parts.replace = replace
        return parts
