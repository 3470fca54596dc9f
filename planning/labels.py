"""Report labels of the metrics, in Chinese and English."""

from __future__ import annotations

# metric key → (zh-CN, en)
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "expressway.camera_points": ("高速公路视频监控点位数", "Expressway camera points"),
    "expressway.camera_spacing_km": ("高速公路视频点位间距", "Expressway km per camera point"),
    "national_provincial.camera_points": ("国省道视频监控点位数", "National/provincial camera points"),
    "national_provincial.camera_spacing_km": ("国省道视频点位间距", "National/provincial km per camera point"),
    "expressway.enforcement_stations": (
        "高速公路执法服务点新建数",
        "Expressway enforcement service points built since the plan's start",
    ),
    "national_provincial.enforcement_stations": ("国省道执法服务点", "National/provincial enforcement points"),
    "national_provincial.enforcement_per_county": ("每县国省道执法服务点", "Enforcement point in every county"),
    "expressway.enforcement_per_county": ("每县高速公路执法服务点", "Expressway enforcement point per county"),
    "national_provincial.enforcement_route_km": (
        "过境30公里以上国省道执法服务点",
        "Point on every route ≥ 30 km in a county",
    ),
    "expressway.weather_sets": (
        "高速公路雾冰路段气象监测设施新增套数",
        "Expressway weather sets added at fog/ice sections since the plan's start",
    ),
    "national_provincial.weather_sets": (
        "国省道雾冰路段气象监测设施新增套数",
        "National/provincial weather sets added since the plan's start",
    ),
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


# CSV column → (zh-CN, en)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "year": ("年度", "Year"),
    "adcode": ("行政区划代码", "Area code"),
    "name": ("地区", "Area"),
    "level": ("级别", "Level"),
    "metric": ("指标", "Metric"),
    "roads": ("道路", "Roads"),
    "value": ("现状值", "Value"),
    "target": ("目标值", "Target"),
    "met": ("是否达标", "Met"),
    "unit": ("单位", "Unit"),
    "standard_scope": ("目标层级", "Target level"),
    "road_km": ("道路里程(公里)", "Road km"),
    "points": ("点位数", "Points"),
    "points_missing": ("缺少点位数", "Points missing"),
    "gaps": ("监控空白路段数", "Gaps"),
    "gap_km": ("空白路段里程(公里)", "Gap km"),
    "cameras_to_close_gaps": ("消除空白需新增点位", "Cameras to close the gaps"),
    "hazard_km": ("雾冰路段里程(公里)", "Fog/ice road km"),
    "monitored_km": ("已监测里程(公里)", "Monitored km"),
    "eligible_km": ("具备区间测速条件里程(公里)", "Eligible km"),
    "covered_km": ("已设区间测速里程(公里)", "Covered km"),
    "missing": ("缺少数量", "Missing"),
    "counts": ("统计口径", "Counts"),
    "stock": ("年末在用数量", "In service at year end"),
    "density_basis": ("点位密度口径", "Density basis"),
    "gaps_basis": ("监控空白口径", "Gaps basis"),
}
# Vocabulary words of the report (levels, road groups, units, bases) → (zh-CN, en)
WORDS: dict[str, tuple[str, str]] = {
    "province": ("省", "province"),
    "city": ("市州", "city"),
    "county": ("县市区", "county"),
    "expressway": ("高速公路", "expressway"),
    "national_provincial": ("国省道", "national/provincial roads"),
    "all": ("全部道路", "all roads"),
    "points": ("个点位", "points"),
    "km_per_point": ("公里/点位", "km per point"),
    "share": ("比例", "share"),
    "stations": ("个", "stations"),
    "sets": ("套", "sets"),
    "sections": ("条", "sections"),
    "routes": ("条线路", "routes"),
    "counties": ("个县市区", "counties"),
    "cities": ("个市州", "cities"),
    "has_centre": ("是否建成", "has a centre"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "km": ("公里", "km"),
    "construction": ("建设量（规划实施以来新建）", "construction since the plan's start"),
    "stock": ("存量（年末在用）", "stock in service at year end"),
    "centreline": ("按道路中心线", "on the centreline"),
    "carriageway": ("按行车方向", "per carriageway"),
}


def column_label(column: str, lang: str) -> str:
    """The header of a CSV column in `lang`."""
    zh, en = COLUMN_LABELS.get(column, (column, column))
    return zh if lang.startswith("zh") else en


def word(key: str, lang: str) -> str:
    """A vocabulary word in `lang` (the key itself when unknown)."""
    zh, en = WORDS.get(key, (key, key))
    return zh if lang.startswith("zh") else en
