"""One exception tree; each class carries its HTTP status and problem title."""

from __future__ import annotations

from gis.lang import negotiate

# Problem titles in Chinese, by HTTP status (a request asking for zh-CN gets them).
TITLE_ZH = {
    400: "请求参数有误",
    401: "未认证",
    403: "无权操作",
    404: "未找到",
    405: "不支持该请求方法",
    409: "状态冲突",
    412: "版本已变化",
    413: "请求过大",
    422: "请求无法处理",
    500: "服务器内部错误",
    503: "服务暂不可用",
}
_RESERVED = ("type", "title", "status", "detail", "instance")  # RFC 9457 members an extra may not replace


def error_lang(lang_arg: str | None, accept_language: str | None) -> str:
    """The language of a problem document: 'zh-CN' when the request asks for Chinese (`lang`, else
    Accept-Language), else 'en' (errors' historical language, kept for clients that ask for neither)."""
    return negotiate(lang_arg, accept_language, "en")


def localized(problem: dict, lang: str, detail_zh: str | None = None) -> dict:
    """`problem` in `lang`: in Chinese the title by status and the detail (`detail_zh`, else a Chinese
    sentence naming the parameter), the English detail kept as `detail_en`."""
    if lang != "zh-CN":
        return problem
    out = dict(problem)
    status = out.get("status")
    out["title"] = TITLE_ZH.get(status, out.get("title", "")) if isinstance(status, int) else out.get("title")
    english = out.get("detail")
    if detail_zh is None:
        param = out.get("parameter")
        head = out["title"] or "请求有误"
        detail_zh = f"{head}：参数 {param} 的值不可用，正确写法见 detail_en" if param else f"{head}，说明见 detail_en"
    out["detail"] = detail_zh
    if english:
        out["detail_en"] = english
    return out


class DaoanError(Exception):
    """Base of every error Daoan reports to a user."""

    status = 500
    title = "Internal error"

    def __init__(
        self, detail: str, *, parameter: str | None = None, extra: dict | None = None, detail_zh: str | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh
        self.parameter = parameter
        self.extra = extra or {}

    def problem(self, lang: str = "en") -> dict:
        """RFC 9457 problem document for this error, in `lang` ('en' or 'zh-CN')."""
        body: dict = {
            "type": f"https://daoan.example/problems/{type(self).__name__}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.parameter:
            body["parameter"] = self.parameter
        body.update({k: v for k, v in self.extra.items() if k not in _RESERVED})
        return localized(body, lang, self.detail_zh)


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
