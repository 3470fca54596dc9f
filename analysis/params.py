"""Parameters of the black-spot requests (HTTP query or CLI), checked with messages naming the fix."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from gis import params
from gis.errors import InvalidParameter, Unprocessable
from layers.catalog import ROAD_CLASSES
from layers.features import parse_bbox

MAX_LIMIT = 1000
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ADCODE = re.compile(r"^\d{6}$")


def parse_method(text: str | None, methods: tuple[str, ...]) -> str:
    """The method (window by default)."""
    if text is None or text == "":
        return "window"
    return params.choice(text, "method", methods)


def parse_interval(text: str | None) -> tuple[datetime | None, datetime | None]:
    """An OGC datetime interval 'start/end' ('..' or empty for an open end); a date alone is a whole
    day (an end date counts to the end of that day). (None, None) when absent."""
    if text is None or text == "":
        return None, None
    fix = "datetime must be an interval start/end such as 2021-01-01/2023-12-31 or 2021-01-01T00:00:00+08:00/.."
    parts = text.split("/")
    if len(parts) != 2:
        raise InvalidParameter(f"{fix}; got {text[:80]!r}", parameter="datetime", detail_zh=_interval_zh(text))
    start = _bound(parts[0], end=False, fix=fix)
    end = _bound(parts[1], end=True, fix=fix)
    if start is not None and end is not None and start >= end:
        raise InvalidParameter(
            f"datetime: the start must come before the end; got {text[:80]!r}",
            parameter="datetime",
            detail_zh=f"参数 datetime 的起始时间须早于结束时间；收到 {text[:80]!r}",
        )
    return start, end


def _interval_zh(text: str) -> str:
    """The datetime interval's fix in Chinese."""
    return (
        "参数 datetime 应为“起/止”时间段，如 2021-01-01/2023-12-31 或 2021-01-01T00:00:00+08:00/..（.. 表示不限）；"
        f"收到 {text[:80]!r}"
    )


def _bound(text: str, *, end: bool, fix: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        moment = params.instant(text, "datetime")
    except InvalidParameter as exc:
        raise InvalidParameter(f"{fix}; {exc.detail}", parameter="datetime", detail_zh=_interval_zh(text)) from None
    if moment is not None and end and _DATE_ONLY.match(text):
        moment += timedelta(days=1)
    return moment


def parse_area(text: str | None) -> str | None:
    """An adcode (province, city or county of Hunan), or None."""
    if text is None or text == "":
        return None
    if not _ADCODE.match(text):
        raise InvalidParameter(
            f"area must be a 6-digit adcode such as 430100 (a city) or 430104 (a county); got {text[:40]!r}",
            parameter="area",
            detail_zh=f"参数 area 应为6位行政区划代码，如 430100（长沙市）或 430104（岳麓区）；收到 {text[:40]!r}",
        )
    if not text.startswith("43"):
        raise Unprocessable(
            f"area {text} is not in Hunan (adcodes 43xxxx)",
            parameter="area",
            detail_zh=f"参数 area 的行政区划代码 {text} 不在湖南省（应以 43 开头）",
        )
    return text


def parse_road_classes(text: str | None) -> tuple[str, ...] | None:
    """Road classes, comma separated, or None for all."""
    if text is None or text == "":
        return None
    return tuple(sorted(params.flags(text, "road_class", ROAD_CLASSES)))


def parse_limit(text: str | None, default: int = 100) -> int:
    if text is None or text == "":
        return default
    return params.integer(text, "limit", minimum=1, maximum=MAX_LIMIT, fix=f"an integer from 1 to {MAX_LIMIT}")


def parse_bbox_param(text: str | None) -> tuple[float, float, float, float] | None:
    return parse_bbox(text) if text else None


NKDE_VARIANTS = ("simple", "discontinuous")
NKDE_KERNELS = ("quartic", "triangular", "epanechnikov", "gaussian")


def parse_nkde(args: dict[str, str | None]) -> dict[str, object]:
    """The NKDE's parameters (variant, kernel, bandwidth, lixel) from `args`, defaults filled in."""
    out: dict[str, object] = {"variant": "simple", "kernel": "quartic", "bandwidth": 300.0, "lixel": 20.0}
    if args.get("variant"):
        out["variant"] = params.choice(args["variant"], "variant", NKDE_VARIANTS)
    if args.get("kernel"):
        out["kernel"] = params.choice(args["kernel"], "kernel", NKDE_KERNELS)
    if args.get("bandwidth"):
        out["bandwidth"] = params.number(args["bandwidth"], "bandwidth", minimum=10, maximum=5000)
    if args.get("lixel"):
        out["lixel"] = params.number(args["lixel"], "lixel", minimum=1, maximum=1000)
    if float(out["lixel"]) > float(out["bandwidth"]):  # type: ignore[arg-type]
        raise Unprocessable(
            "lixel must not be longer than the bandwidth",
            parameter="lixel",
            detail_zh=f"参数 lixel（线元长度，{out['lixel']:g}米）不得大于 bandwidth（带宽，{out['bandwidth']:g}米）",
        )
    return out
