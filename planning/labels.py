"""Report labels of the metrics, in Chinese and English."""

from __future__ import annotations

# metric key → (zh-CN, en)
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "expressway.camera_points": ("高速公路视频监控点位数", "Expressway camera points"),
    "expressway.camera_spacing_km": ("高速公路视频点位间距", "Expressway km per camera point"),
    "national_provincial.camera_points": ("国省道视频监控点位数", "National/provincial camera points"),
    "national_provincial.camera_spacing_km": ("国省道视频点位间距", "National/provincial km per camera point"),
    "expressway.enforcement_stations": ("高速公路执法服务点", "Expressway enforcement service points"),
    "national_provincial.enforcement_stations": ("国省道执法服务点", "National/provincial enforcement points"),
    "national_provincial.enforcement_per_county": ("每县国省道执法服务点", "Enforcement point in every county"),
    "expressway.enforcement_per_county": ("每县高速公路执法服务点", "Expressway enforcement point per county"),
    "national_provincial.enforcement_route_km": (
        "过境30公里以上国省道执法服务点",
        "Point on every route ≥ 30 km in a county",
    ),
    "expressway.weather_sets": ("高速公路雾冰路段气象监测设施", "Expressway weather sets at fog/ice sections"),
    "national_provincial.weather_sets": ("国省道雾冰路段气象监测设施", "National/provincial weather sets"),
    "expressway.weather_share": ("高速公路雾冰路段监测比例", "Expressway fog/ice road monitored"),
    "national_provincial.weather_share": ("国省道雾冰路段监测比例", "National/provincial fog/ice road monitored"),
    "expressway.interval_per_city": ("市州高速公路区间测速路段", "Interval speed sections per city (expressway)"),
    "national_provincial.interval_per_city": ("市州国省道区间测速路段", "Interval speed sections per city"),
    "expressway.interval_share": ("高速公路区间测速设置率", "Expressway eligible length with interval sections"),
    "national_provincial.interval_share": ("国省道区间测速设置率", "National/provincial eligible length covered"),
    "all.command_county_share": ("县级指挥中心建成比例", "Counties with a command centre"),
    "all.command_city": ("市级指挥中心", "City command centre"),
}


def metric_label(key: str, lang: str = "zh-CN") -> str:
    """The label of a metric key in `lang` (the key itself when unknown)."""
    zh, en = METRIC_LABELS.get(key, (key, key))
    return zh if lang.startswith("zh") else en
