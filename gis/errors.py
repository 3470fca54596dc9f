"""One exception tree; each class carries its HTTP status and problem title."""

from __future__ import annotations


class DaoanError(Exception):
    """Base of every error Daoan reports to a user."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str, *, parameter: str | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.extra = extra or {}

    def problem(self) -> dict:
        """RFC 9457 problem document for this error."""
        body: dict = {
            "type": f"https://daoan.example/problems/{type(self).__name__}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.parameter:
            body["parameter"] = self.parameter
        body.update(self.extra)
        return body


class InvalidParameter(DaoanError, ValueError):
    status = 400
    title = "Invalid parameter"


class Unauthorized(DaoanError, PermissionError):
    status = 401
    title = "Unauthorized"


class Forbidden(DaoanError, PermissionError):
    status = 403
    title = "Forbidden"


class NotFound(DaoanError, LookupError):
    status = 404
    title = "Not found"


class Conflict(DaoanError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DaoanError):
    status = 412
    title = "Precondition failed"


class TooLarge(DaoanError):
    status = 413
    title = "Request too large"


class Unprocessable(DaoanError, ValueError):
    status = 422
    title = "Unprocessable"


class DatabaseUnavailable(DaoanError, ConnectionError):
    status = 503
    title = "Database unavailable"


class ImportRejected(DaoanError, ValueError):
    """An import whose rows failed validation; nothing was written."""

    status = 422
    title = "Import rejected"

    def __init__(self, detail: str, *, errors: list[dict]):
        super().__init__(detail, extra={"errors": errors})
        self.errors = errors
