"""Domain errors shared by every app.

A service refuses by raising one of these with a Chinese message the user can act on;
views show the message on the page and the API returns it as ``{"detail": ...}``.
Because every service runs in ``transaction.atomic()``, a refusal writes nothing.
"""


class DomainError(Exception):
    """A refusal: a rule of the office stops the operation."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class PermissionDenied(DomainError):
    """The actor may not do this (the target is visible to them)."""

    status_code = 403

    def __init__(self, message: str = "您没有执行此操作的权限。", *, code: str = "forbidden"):
        super().__init__(message, code=code)


class NotFound(DomainError):
    """Missing, or invisible to the actor: the two look the same (no existence leak)."""

    status_code = 404

    def __init__(self, message: str = "未找到该公文或您无权查看。", *, code: str = "not_found"):
        super().__init__(message, code=code)


class Conflict(DomainError):
    """Someone else acted first on the same task."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message, code=code)


class GateClosed(DomainError):
    """A named gate (RULES.md) does not hold; the message names what is missing."""

    def __init__(self, message: str, *, gate: str):
        super().__init__(message, code=f"gate:{gate}")
        self.gate = gate
