/* Daoan web map: the operator's console, the traveller's page, the planner's desk and the wall screen.
   No CDN, no build step: MapLibre GL JS from the npm package, everything else from this server. */
"use strict";

const I18N = {
  "zh-CN": {
    map: "地图", collapse: "收起或展开面板",
    subtitle: "道路交通安全监管云", tab_layers: "图层", tab_route: "出行", tab_operator: "指挥", tab_planner: "规划",
    synthetic_note: "演示路网为合成数据，仅供演示。",
    route_hint: "输入地名、收费站、服务区或道路，从提示中选择；也可在地图上依次点击起点和终点。",
    place_ph: "如：长沙", token_ph: "值班令牌", description_ph: "如：多车追尾，占用全部车道",
    from: "起点", to: "终点", route_go: "规划路线", clear: "清除", avoid_hazards: "避开隐患", token: "令牌",
    closure: "发布事件", kind: "事件类型", by_stakes: "按路线桩号", by_drawing: "在地图上绘制",
    route_code: "路线编号", from_stake: "起点桩号", to_stake: "终点桩号", toll_station: "收费站",
    draw_line: "画线", draw_polygon: "画面", clear_drawing: "清除绘制", direction: "方向",
    dir_both: "双向（两侧车道）", dir_forward: "桩号递增方向", dir_backward: "桩号递减方向",
    measure: "措施", effect_closed: "封闭", effect_restricted: "限速通行", speed_cap: "限速（公里/小时）",
    description: "情况说明", starts_at: "开始时间", ends_at: "预计结束", preview: "预览方案", publish: "发布",
    kind_accident: "交通事故", kind_weather_closure: "恶劣天气", kind_works: "道路施工", kind_control: "交通管制",
    kind_entrance_closure: "收费站入口封闭",
    visibility: "能见度上报", visibility_hint: "点击地图上的气象站，输入能见度（米）。", station: "站点",
    visibility_m: "能见度（米）", send: "上报", incidents_in_force: "当前事件", year: "标准年度", area: "区域",
    load: "查询", suggest: "建议新增视频点位", distance: "里程", duration: "用时", km: "公里", min: "分钟",
    end: "结束", confirm_end: "确认结束", cancel: "取消", show_plan: "方案",
    need_token: "请先输入值班令牌", internal: "内部图层：在“指挥”页输入令牌后显示",
    drawing: "在地图上依次点击绘制封闭路段，然后点“预览方案”或“发布”", posted: "已发布事件",
    ended: "已结束事件", plan: "分流方案", preview_title: "方案预览（尚未发布）", preview_done: "方案预览如下，核对后点“发布”",
    need_place: "请填写路线编号和起止桩号，或在地图上绘制封闭路段", need_station: "请选择收费站",
    metric: "指标", value: "现状", target: "目标", met: "达标", yes: "是", no: "否", province: "湖南省",
    no_route: "无可行路线", sent: "已上报", pick_from: "已选起点，请点击或输入终点", suggestions: "建议新增点位",
    published_by: "发布", at: "于", wall_mode: "大屏", wall_mode_title: "指挥大屏模式（按 Esc 退出）",
    wall_title: "湖南省道路交通安全态势", count_closed: "封闭路段", count_entrance: "收费站只出不进",
    count_restricted: "限速管制", count_warnings: "生效隐患路段", count_lowvis: "低能见度站点（500米以下）", count_alerts: "生效预警",
    warnings_in_force: "当前预警", basemap_hillshade: "底图：地形晕渲（据已导入的高程数据）",
    basemap_no_dem: "底图：未导入高程数据，无地形晕渲", basemap_outside: "灰色为省外区域", basemap_no_water: "水系数据未导入", no_warnings: "当前无生效预警", expires: "有效至",
    legend: "图例", option: "方案", recommended: "推荐", fastest: "最快", via: "经",
    hazards_on_way: "途经隐患", closures_on_way: "避开管制", warnings: "沿途提示",
    avoided_note: "已避开隐患路段 {n} 处（{kinds}），比最快路线多行驶 {km} 公里、多用时 {min} 分钟。",
    avoided_none: "最快路线沿途没有可避开的隐患路段。",
    avoided_same: "沿途隐患路段无法避开（无合适的绕行道路），请按沿途提示谨慎驾驶。",
    township_note: "该路线经过乡村道路，路窄弯多，请谨慎驾驶。",
    still_on_way: "仍途经隐患路段 {n} 处（无合适绕行道路），请按沿途提示减速慢行。",
    closure_section: "封闭路段", restriction_section: "限速路段", far_tier: "远端分流", near_tier: "近端控制",
    detour_via: "绕行", longer: "多行驶", later: "多用时", from_closure: "距封闭点", entrance_controls: "收费站管控",
    signs: "诱导屏信息", sign_no: "屏", legal_basis: "法律依据", no_far: "上游无其他可分流出口，仅设近端控制",
    export_csv: "导出表格（CSV）", export_html: "打印版报告（网页）", export_pdf: "报告（PDF）",
    chart_caption: "各市州达标指标占比（达标项数 / 适用项数）", ranked: "建议点位（按优先程度排序）",
    why: "理由", not_applicable: "—", suggestions_shown: "共 {n} 处，列出前 {m} 处",
    units_share: "", units_km_per_point: "公里/点", units_stations: "个", units_sets: "套", units_cities: "个市州",
    units_counties: "个县市区", units_points: "个", units_sections: "段",
    search_none: "未找到匹配的地点", place_city: "市州", place_county: "县市区", place_province: "省",
    road: "道路", wall_exit: "退出大屏", other: "其他", internal_short: "（内部，需令牌）",
    warning_level: "预警等级", warning_reason: "原因", stakes: "桩号", warning_measure: "管控措施",
    show_all: "显示全部（{n}处）", show_fewer: "收起", no_incidents: "当前无生效事件",
  },
  en: {
    map: "Map", collapse: "Collapse or expand the panel",
    subtitle: "Road-traffic-safety supervision", tab_layers: "Layers", tab_route: "Travel", tab_operator: "Operator",
    tab_planner: "Planner", synthetic_note: "The demo road network is synthetic.",
    route_hint: "Type a place, toll station, service area or road and pick a suggestion, or click two points on the map.",
    place_ph: "e.g. Changsha", token_ph: "duty token", description_ph: "e.g. pile-up, all lanes blocked",
    from: "From", to: "To", route_go: "Route", clear: "Clear", avoid_hazards: "Avoid hazards", token: "Token",
    closure: "Publish an incident", kind: "Kind", by_stakes: "Route and stakes", by_drawing: "Draw on the map",
    route_code: "Route", from_stake: "From stake", to_stake: "To stake", toll_station: "Toll station",
    draw_line: "Draw line", draw_polygon: "Draw polygon", clear_drawing: "Clear drawing", direction: "Direction",
    dir_both: "Both carriageways", dir_forward: "Increasing stakes", dir_backward: "Decreasing stakes",
    measure: "Measure", effect_closed: "Closed", effect_restricted: "Speed restriction", speed_cap: "Speed limit (km/h)",
    description: "Description", starts_at: "Starts", ends_at: "Expected end", preview: "Preview plan", publish: "Publish",
    kind_accident: "Accident", kind_weather_closure: "Weather", kind_works: "Works", kind_control: "Traffic control",
    kind_entrance_closure: "Toll entrance closure",
    visibility: "Visibility report", visibility_hint: "Click a weather station on the map, enter visibility (m).",
    station: "Station", visibility_m: "Visibility (m)", send: "Send", incidents_in_force: "Incidents in force",
    year: "Standard year", area: "Area", load: "Load", suggest: "Suggest camera sites", distance: "Distance",
    duration: "Time", km: "km", min: "min", end: "End", confirm_end: "Confirm end", cancel: "Cancel", show_plan: "Plan",
    need_token: "Enter a token first", internal: "Internal layer: shown once a token is entered (Operator tab)",
    drawing: "Click on the map to draw the closed section, then Preview or Publish", posted: "Incident published",
    ended: "Incident ended", plan: "Diversion plan", preview_title: "Plan preview (not published)",
    preview_done: "Check the preview, then Publish",
    need_place: "Give the route and both stakes, or draw the section on the map", need_station: "Pick a toll station",
    metric: "Metric", value: "Value", target: "Target", met: "Met", yes: "yes", no: "no", province: "Hunan",
    no_route: "No route", sent: "Sent", pick_from: "Origin set: click or type the destination", suggestions: "Suggested new sites",
    published_by: "published by", at: "at", wall_mode: "Wall", wall_mode_title: "Wall screen mode (Esc leaves)",
    wall_title: "Hunan road safety now", count_closed: "Closed sections", count_entrance: "Exit-only toll stations",
    count_restricted: "Speed restrictions", count_warnings: "Hazard sections in force", count_lowvis: "Stations below 500 m visibility", count_alerts: "Warnings in force",
    warnings_in_force: "Warnings in force", basemap_hillshade: "Basemap: relief shaded from the imported DEM",
    basemap_no_dem: "Basemap: no DEM imported, no relief", basemap_outside: "grey: outside Hunan", basemap_no_water: "no water layer imported", no_warnings: "No warning in force", expires: "until",
    legend: "Legend", option: "Option", recommended: "recommended", fastest: "fastest", via: "via",
    hazards_on_way: "hazards on the way", closures_on_way: "closures avoided", warnings: "Warnings",
    avoided_note: "Avoids {n} hazard sections ({kinds}) at {km} km and {min} min more than the fastest route.",
    avoided_none: "The fastest route crosses no hazard section to avoid.",
    avoided_same: "The hazard sections cannot be avoided (no suitable detour): drive with care.",
    township_note: "This route uses village roads: narrow and winding, drive with care.",
    still_on_way: "It still crosses {n} hazard sections (no suitable detour): follow the warnings.",
    closure_section: "Closed section", restriction_section: "Restricted section", far_tier: "Far diversion",
    near_tier: "Near control", detour_via: "Detour via", longer: "longer", later: "slower", from_closure: "before the closure",
    entrance_controls: "Toll stations", signs: "Sign messages", sign_no: "Sign ", legal_basis: "Legal basis",
    no_far: "No other exit upstream: near control only",
    export_csv: "CSV", export_html: "Printable report (HTML)", export_pdf: "Report (PDF)",
    chart_caption: "Share of targets met per city (met / applicable)", ranked: "Suggested sites, by priority",
    why: "Why", not_applicable: "—", suggestions_shown: "{n} in all, the first {m} listed",
    units_share: "", units_km_per_point: "km/point", units_stations: "", units_sets: "sets", units_cities: "cities",
    units_counties: "counties", units_points: "", units_sections: "sections",
    search_none: "No matching place", place_city: "city", place_county: "county", place_province: "province",
    road: "road", wall_exit: "Leave wall mode", other: "other", internal_short: "(internal)",
    warning_level: "Level", warning_reason: "Reason", stakes: "Stakes", warning_measure: "Measure",
    show_all: "Show all ({n})", show_fewer: "Show fewer", no_incidents: "No incident in force",
  },
};

/* Values the server keeps as codes, in the page's words. */
const VALUES = {
  "zh-CN": {
    kind: {
      accident: "交通事故", works: "道路施工", weather_closure: "恶劣天气", control: "交通管制", entrance_closure: "收费站入口封闭",
      fog: "团雾", ice: "结冰", landslide: "落石塌方", sharp_curve: "急弯", steep_grade: "陡坡", blackspot: "事故多发点",
      congestion: "易拥堵", flood: "积水", video: "视频监控", event_detection: "事件检测", checkpoint: "治安卡口",
      speed: "测速", interval: "区间测速", general: "综合气象站", visibility: "能见度站", road_ice: "路面结冰站",
      bayonet: "卡口", camera: "视频监控", vms: "可变情报板", warning: "警示标志",
      variable_message: "可变情报板", fixed_warning: "固定警示标志", point: "点位", section: "路段",
    },
    severity: { fatal: "死亡事故", injury: "伤人事故", property: "财产损失事故" },
    structure: { bridge: "桥梁", tunnel: "隧道" },
    method: { window: "滑动窗口", eb: "经验贝叶斯", nkde: "网络核密度" },
    measure: { advise: "提示", cap: "限速", close: "封闭" },
    roads: { expressway: "高速公路", national_provincial: "国省道" },
    effect: { closed: "封闭", restricted: "限速" },
    direction: { both: "双向", forward: "桩号递增方向", backward: "桩号递减方向", up: "上行", down: "下行" },
    status: { active: "在用", in_force: "生效中", ended: "已结束", planned: "计划", retired: "已拆除", scheduled: "待生效" },
    road_class: { expressway: "高速公路", national: "国道", provincial: "省道", county: "县道", township: "乡道", village: "村道", urban: "城市道路", link: "匝道" },
    level: { province: "省", city: "市州", county: "县市区", blue: "蓝色", yellow: "黄色", orange: "橙色", red: "红色" },
    reason: { fog: "大雾", ice: "道路结冰", downgrade_rain: "长下坡降雨", risk: "事故风险" },
    active: { true: "生效", false: "未生效" },
  },
};
const FIELD_NAMES = {
  "zh-CN": {
    name: "名称", route_code: "路线编号", stake: "桩号", kind: "类型", status: "状态", road_class: "道路等级",
    level: "级别", direction: "方向", effect: "措施", speed_cap_kmh: "限速（公里/小时）", station_code: "站号",
    severity: "严重程度", install_year: "建设年份", adcode: "行政区划代码", description: "情况说明", active: "状态",
    department: "管理部门", from_stake: "起点桩号", to_stake: "终点桩号", created_by: "发布人", maxspeed_kmh: "限速",
    lanes: "车道数", oneway: "单向", alt_m: "海拔（米）",
  },
};
const POPUP_KEYS = ["name", "kind", "route_code", "stake", "from_stake", "to_stake", "direction", "effect",
  "speed_cap_kmh", "road_class", "level", "status", "active", "severity", "station_code", "description",
  "department", "install_year", "created_by"];
/* Which feature answers a click when several are under it: the topmost as drawn — a warning's icon first
   (handled before these), incidents, the warned stretches, then a facility's dot over the hazard zone or road
   it stands on; a hazard zone over the roads it covers (its fill lies under them, but it is what the place
   is); the province's areas last. */
const CLICK_ORDER = ["incidents", "warnings", "guidance_signs", "weather_stations", "toll_stations", "service_areas",
  "enforcement_stations", "cameras", "command_centres", "accidents", "violations", "admin_seats", "road_nodes",
  "hazard_zones", "black_spots", "interval_speed_sections", "coverage_gaps", "segment_terrain", "road_segments",
  "admin_areas"];
const HUNAN = [[108.78, 24.63], [114.26, 30.13]];
const RANKS_LISTED = 50;  // suggested sites listed (and numbered on the map) of a planner's suggestion
const DETOUR_COLOURS = ["#1c7ed6", "#2f9e44", "#f08c00", "#9c36b5", "#0c8599", "#e64980", "#5c940d", "#d9480f"];

const state = {
  lang: localStorage.getItem("daoan.lang") || ((navigator.language || "zh").startsWith("zh") ? "zh-CN" : "en"),
  tab: "layers",
  from: null, to: null, fromName: "", toName: "",
  routes: [], chosen: 0, fastest: null,
  draw: null,          // {kind: "line"|"polygon", coords: [[lon,lat]…]}
  drawn: null,         // the finished drawing's geometry
  versionsEtag: null,
  liveVersion: null,
  report: null, labels: {},
  titles: {},          // layer id → {en, zh} from /collections
  access: {},          // layer id → "public" | "internal" from /collections
  enums: {},           // layer id → {property: its values} from /collections (the legend's "other")
  readToken: "",       // a token checked by /collections: tiles then carry it (internal layers shown)
  markers: [],         // plan markers (HTML)
  wallMarkers: [],
  incidents: [],
  warnings: [],
  confirming: null,
  allWarnings: false,   // the operator's warning list unfolded
  tollStations: null,  // toll station id → its properties (names an entrance closure)
  wall: new URLSearchParams(location.search).get("mode") === "wall",
};
const $ = (id) => document.getElementById(id);
const t = (key) => (I18N[state.lang] && I18N[state.lang][key]) ?? I18N["zh-CN"][key] ?? key;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
const zh = () => state.lang !== "en";
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fc = (features) => ({ type: "FeatureCollection", features: features || [] });
const km = (m) => (m / 1000).toFixed(m >= 100000 ? 0 : 1);
const mins = (s) => Math.max(0, Math.round(s / 60));
function valueText(field, value) {
  if (value === null || value === undefined || value === "") return "";
  const table = (VALUES[state.lang] || {})[field];
  return table && table[String(value)] !== undefined ? table[String(value)] : String(value);
}
function fieldName(key) { return ((FIELD_NAMES[state.lang] || {})[key]) || key.replace(/_/g, " "); }

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
  document.querySelectorAll("[data-i18n-aria]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nAria)); });
  $("lang").textContent = state.lang === "en" ? "中文" : "EN";
  document.title = zh() ? "道安 · 道路交通安全监管云" : "Daoan · road-traffic-safety supervision";
}

/* Server problems in the page's language: the server answers Accept-Language where it can; the few
   details it still writes in English are put into Chinese here, and anything else unknown is said plainly. */
const ERROR_PATTERNS = [
  [/is ([\d,.]+) m from the nearest road; it must be within ([\d,.]+) m/, (m) => `所选地点距最近道路${m[1]}米，超出${m[2]}米，请在道路附近选点`],
  [/no route|not connected|unreachable/i, () => "两地之间没有可行路线"],
  [/stake (\S+) is not on (\S+); its stakes run from (\S+) to (\S+)/, (m) => `桩号${m[1]}不在${m[2]}上，该路线桩号范围为${m[3]}至${m[4]}`],
  [/no road with route code '?([^'\s;]+)'?/, (m) => `没有路线编号为${m[1]}的道路`],
  [/token|unauthori[sz]ed|forbidden|role/i, () => "令牌无效或无此权限"],
  [/already ended|has ended|ended incident/i, () => "该事件已结束"],
  [/speed_cap_kmh/, () => "限速须在1至200公里/小时之间"],
  [/stake/i, () => "桩号格式有误，请按K1500+000填写"],
  [/starts_at|ends_at/, () => "时间填写有误"],
];
function localizeError(body, status) {
  const detail = String((body && body.detail) || "");
  const english = String((body && body.detail_en) || detail);
  // The server's own Chinese, unless it is the generic "see detail_en" sentence meant for developers.
  if (!zh()) return english || `${status}`;
  if (/[\u4e00-\u9fff]/.test(detail) && !detail.includes("detail_en")) return detail;
  for (const [re, make] of ERROR_PATTERNS) { const m = english.match(re); if (m) return make(m); }
  if (status === 401 || status === 403) return "令牌无效或无此权限";
  if (status === 404) return "未找到所请求的内容";
  if (status === 409) return "状态冲突：该事件可能已被他人修改或结束";
  if (status >= 500) return "服务器暂时无法处理，请稍后重试";
  return `请求未能完成（错误${status}），请检查填写内容`;
}
async function api(path, options = {}) {
  const headers = Object.assign({ "Accept-Language": state.lang }, options.headers || {});
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  if (options.auth) {
    const token = $("token").value.trim() || sessionStorage.getItem("daoan.token") || "";
    if (!token) throw new Error(t("need_token"));
    sessionStorage.setItem("daoan.token", token);
    headers.Authorization = "Bearer " + token;
  }
  const resp = await fetch(path, { method: options.method || "GET", headers, body: options.body });
  if (resp.status === 304 || resp.status === 204) return { status: resp.status, body: null, headers: resp.headers };
  const type = resp.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await resp.json() : await resp.text();
  if (!resp.ok) {
    const err = new Error(localizeError(typeof body === "object" ? body : null, resp.status));
    err.original = body && body.detail;
    throw err;
  }
  return { status: resp.status, body, headers: resp.headers };
}

function setStatus(id, html, ok = true) { $(id).innerHTML = `<span class="${ok ? "ok" : "bad"}">${html}</span>`; }
function errorText(err) { return esc(err.message || t("no_route")); }

/* ------------------------------------------------------------------ map */
const map = new maplibregl.Map({
  container: "map",
  style: "/styles/daoan.json",
  hash: !state.wall,
  ...(location.hash && !state.wall ? {} : { bounds: HUNAN, fitBoundsOptions: { padding: 20 } }),
  localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif",
  attributionControl: { compact: true },
  // Read access: with a checked token, the app's own tiles carry it and hold the internal layers too.
  transformRequest: (url, type) => (state.readToken && type === "Tile" && url.startsWith(location.origin + "/tiles/")
    ? { url, headers: { Authorization: "Bearer " + state.readToken } } : { url }),
});
window.daoanMap = map;
map.addControl(new maplibregl.NavigationControl(), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");

const OVERLAYS = {
  "plan-detours": { type: "line", source: "plan", filter: ["==", ["get", "role"], "detour"],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": ["get", "colour"], "line-width": ["case", ["get", "recommended"], 6, 4], "line-opacity": 0.9,
      "line-dasharray": ["case", ["get", "recommended"], ["literal", [1, 0]], ["literal", [2, 1]]] } },
  "plan-closures": { type: "line", source: "plan", filter: ["in", ["get", "role"], ["literal", ["closure", "restriction"]]],
    paint: { "line-color": ["match", ["get", "role"], "restriction", "#f08c00", "#c92a2a"], "line-width": 8, "line-opacity": 0.9 } },
  "route-lines": { type: "line", source: "route", layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": ["case", ["get", "chosen"], "#1f6feb", "#868e96"], "line-width": ["case", ["get", "chosen"], 7, 5],
      "line-opacity": ["case", ["get", "chosen"], 0.9, 0.6] } },
  "route-warnings": { type: "circle", source: "route-warnings",
    paint: { "circle-radius": 7, "circle-color": ["match", ["get", "kind"], "fog", "#495057", "ice", "#1c7ed6", "congestion", "#e8590c", "#f59f00"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
  // The wall's hazards in force: a triangle by kind (fog grey, ice blue, others amber) at each zone, under
  // the warnings and the place names, thinned where they crowd at province zoom (never over a city's name).
  "hazard-icons": { type: "symbol", source: "wall-points", before: "admin-labels",
    layout: { "icon-image": ["match", ["get", "kind"], "fog", "hazard-fog", "ice", "hazard-ice", "hazard-other"],
      "icon-size": ["interpolate", ["linear"], ["zoom"], 5, 0.8, 10, 1.1], "icon-padding": 1 } },
  // Early warnings in force: a diamond in the level's colour with the reason's character (雾/冰/坡/险) at the
  // middle of each warned stretch, from zoom 5 (the wall screen's province view) on; red above the rest.
  "warning-icons": { type: "symbol", source: "warning-points", before: "admin-labels",
    layout: { "icon-image": ["concat", "warning-", ["get", "level"], "-", ["get", "reason"]], "icon-allow-overlap": true,
      "icon-ignore-placement": true, "icon-size": ["interpolate", ["linear"], ["zoom"], 5, 0.85, 10, 1.1],
      "symbol-sort-key": ["match", ["get", "level"], "red", 4, "orange", 3, "yellow", 2, 1] } },
  picks: { type: "circle", source: "picks", paint: { "circle-radius": 8, "circle-color": ["match", ["get", "role"], "from", "#2f9e44", "#c92a2a"], "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
  draft: { type: "line", source: "draft", paint: { "line-color": "#d6336c", "line-width": 4, "line-dasharray": [2, 1] } },
  "area-outline": { type: "line", source: "area", paint: { "line-color": "#6741d9", "line-width": 3 } },
  gaps: { type: "line", source: "gaps", paint: { "line-color": "#d6336c", "line-width": 3, "line-opacity": 0.9, "line-dasharray": [1, 1] } },
  suggestions: { type: "circle", source: "suggestions",
    paint: { "circle-radius": ["case", ["boolean", ["feature-state", "selected"], false], 11, ["<=", ["get", "rank"], RANKS_LISTED], 8, 5],
      "circle-color": ["case", ["boolean", ["feature-state", "selected"], false], "#ffd43b", "#7048e8"],
      "circle-stroke-color": ["case", ["boolean", ["feature-state", "selected"], false], "#111", "#fff"], "circle-stroke-width": 2 } },
};
// The suggestions listed beside the map carry their rank on their dot (the rest are smaller and unnumbered).
OVERLAYS["suggestion-ranks"] = { type: "symbol", source: "suggestions", filter: ["<=", ["get", "rank"], RANKS_LISTED],
  layout: { "text-field": ["to-string", ["get", "rank"]], "text-font": ["Noto Sans Bold"], "text-size": 10,
    "text-allow-overlap": true, "text-ignore-placement": true, "symbol-sort-key": ["get", "rank"] },
  paint: { "text-color": ["case", ["boolean", ["feature-state", "selected"], false], "#111", "#fff"] } };
const SOURCES = ["plan", "route", "route-warnings", "picks", "draft", "area", "gaps", "suggestions", "wall-points", "warning-points"];

map.on("load", () => {
  for (const name of SOURCES) map.addSource(name, { type: "geojson", data: fc(), promoteId: "fid" });
  addWarningImages();
  for (const [id, { before, ...spec }] of Object.entries(OVERLAYS)) {
    map.addLayer({ id: "overlay-" + id, ...spec }, before && map.getLayer(before) ? before : undefined);
  }
  showPlannerLayers(false);
  incidentLabels();
  buildLayerList();
  api("/collections").then(({ body }) => {
    for (const c of body.collections) {
      state.titles[c.id] = { en: c.title, zh: c.title_zh || c.title };
      state.access[c.id] = c.access;
      state.enums[c.id] = Object.fromEntries(Object.entries(c.properties || {}).filter(([, sch]) => sch.enum).map(([k, sch]) => [k, sch.enum]));
    }
    buildLayerList();
  }).catch(() => {});
  if (sessionStorage.getItem("daoan.token")) useReadToken(sessionStorage.getItem("daoan.token"));
  loadTollStations();
  offlineBasemap();
  onlineBasemap();
  pollIncidents();
  setInterval(pollIncidents, 5000);
  if (state.wall) enterWall();
  document.body.dataset.mapLoaded = "true";
});

const shown = {};  // what each overlay source holds now (read by the browser tests)
window.daoanShown = shown;
function setData(source, data) { shown[source] = data; const s = map.getSource(source); if (s) s.setData(data); }
function panelPadding() {
  if (state.wall || window.innerWidth <= 700) return { top: 40, bottom: 40, left: 40, right: 40 };
  return { top: 40, bottom: 40, left: 40, right: 60 };
}
function fitTo(features) {
  const b = new maplibregl.LngLatBounds();
  const add = (c) => { if (typeof c[0] === "number") b.extend(c); else c.forEach(add); };
  for (const f of features) if (f && f.geometry) add(f.geometry.coordinates);
  if (!b.isEmpty()) map.fitBounds(b, { padding: panelPadding(), maxZoom: 14, duration: 0 });
}

/* The offline basemap, from what Daoan holds (/map/basemap.json): the DEM's hillshade over the province's
   fill, the area outside the province muted (the neighbouring provinces), no water until one is imported. */
async function offlineBasemap() {
  let config;
  try { config = (await api("/map/basemap.json")).body; } catch (err) { return; }
  const layers = map.getStyle().layers;
  const i = layers.findIndex((l) => l.id === "admin-fill");
  const before = i >= 0 && layers[i + 1] ? layers[i + 1].id : undefined;
  if (config.hillshade) {
    map.addSource("hillshade", { type: "image", url: location.origin + config.hillshade.url, coordinates: config.hillshade.coordinates });
    map.addLayer({ id: "basemap-hillshade", type: "raster", source: "hillshade", paint: { "raster-opacity": 0.8, "raster-fade-duration": 0 } }, before);
  }
  map.addSource("outside", { type: "geojson", data: location.origin + config.outside });  // the workers need it absolute
  map.addLayer({ id: "basemap-outside", type: "fill", source: "outside", paint: { "fill-color": "#dde1e6", "fill-opacity": 0.9 } }, before);
  if (config.neighbours) {
    // The neighbouring provinces outlined (under Daoan's own lines) and named (湖北, 江西 …).
    map.addSource("neighbours", { type: "geojson", data: location.origin + config.neighbours });
    map.addLayer({ id: "basemap-neighbour-lines", type: "line", source: "neighbours", filter: ["==", ["get", "role"], "outline"],
      paint: { "line-color": "#9aa5b1", "line-width": 1.2, "line-dasharray": [4, 2] } }, before);
    // Above the wall's hazard triangles (so placed first: a triangle gives way where it meets a name), under
    // the warnings and the place names.
    const firstLabel = map.getLayer("overlay-warning-icons") ? { id: "overlay-warning-icons" } : map.getStyle().layers.find((l) => l.type === "symbol");
    map.addLayer({ id: "basemap-neighbour-labels", type: "symbol", source: "neighbours", filter: ["==", ["get", "role"], "label"],
      layout: { "text-field": ["get", "label"], "text-font": ["Noto Sans Bold"], "text-letter-spacing": 0.6,
        "text-size": ["interpolate", ["linear"], ["zoom"], 5, 15, 9, 22] },
      paint: { "text-color": "#7b8794", "text-halo-color": "#eef0f2", "text-halo-width": 1.5 } }, firstLabel ? firstLabel.id : undefined);
  }
  const notes = [config.hillshade ? t("basemap_hillshade") : t("basemap_no_dem"), t("basemap_outside"), config.water ? "" : t("basemap_no_water")];
  $("basemap-note").textContent = notes.filter(Boolean).join(zh() ? "；" : "; ");
  if (state.wall) wallSizes(true);  // the neighbours' names came after the wall was entered
  document.body.dataset.offlineBasemap = config.hillshade ? "hillshade" : "plain";
}

/* The online basemap, only where the deployment configures one (a 天地图 key): raster layers under
   Daoan's own, with the province's fill made see-through. By default nothing outside is called. */
async function onlineBasemap() {
  let config;
  try { config = (await api("/map/config.json")).body; } catch (err) { return; }
  if (!config || !config.basemap) return;
  const below = map.getStyle().layers.find((l) => l.type !== "background");
  config.basemap.layers.forEach((tiles, i) => {
    const id = "basemap-" + i;
    map.addSource(id, { type: "raster", tiles, tileSize: 256, attribution: config.basemap.attribution });
    map.addLayer({ id, type: "raster", source: id }, below ? below.id : undefined);
  });
  if (map.getLayer("admin-fill")) map.setPaintProperty("admin-fill", "fill-opacity", 0.15);
  document.body.dataset.basemap = config.basemap.name;
}

/* Places are labelled by the style itself, by their common names (the seats' `label`: 长沙, 湘西州).
   An incident is labelled by its kind (the description, often long, is in its popup and the list). */
function incidentLabels() {
  if (map.getLayer("incident-labels")) {
    const kinds = VALUES["zh-CN"].kind;
    map.setLayoutProperty("incident-labels", "text-field", zh()
      ? ["match", ["get", "kind"], ...["accident", "works", "weather_closure", "control", "entrance_closure"].flatMap((k) => [k, kinds[k]]), ""]
      : ["get", "kind"]);
  }
}

/* Coverage gaps belong to the planner's view: the gaps of the year and area asked (the overlay), never
   the style's own all-gaps layer, and nothing of them elsewhere. */
function showPlannerLayers(on) {
  for (const layer of map.getStyle().layers) {
    if (layer["source-layer"] === "coverage_gaps") map.setLayoutProperty(layer.id, "visibility", "none");
  }
  for (const id of ["overlay-gaps", "overlay-suggestions", "overlay-suggestion-ranks", "overlay-area-outline"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
  }
}

/* The legend, from the style itself: one entry per drawn layer, the colours its paint uses (a match
   expression's cases each get their own swatch, named in the page's language). */
function paintColours(layer) {
  const paint = layer.paint || {};
  const colour = paint["line-color"] ?? paint["circle-color"] ?? paint["fill-color"] ?? paint["text-color"];
  if (typeof colour === "string") return [[null, colour]];
  if (Array.isArray(colour) && colour[0] === "match") {
    const field = Array.isArray(colour[1]) ? colour[1][1] : null;
    const out = [];
    for (let i = 2; i < colour.length - 1; i += 2) {
      const keys = Array.isArray(colour[i]) ? colour[i] : [colour[i]];
      out.push([keys.map((k) => valueText(field, k)).join("、"), colour[i + 1]]);
    }
    if (colour.length % 2 === 1) {
      // The match's default: left out when the layer's values (its catalogue enumeration, from /collections)
      // are all listed, named after the one value it stands for, else 其他.
      const listed = new Set(colour.slice(2, -1).filter((_, k) => k % 2 === 0).flat().map(String));
      const known = ((state.enums[layer["source-layer"]] || {})[field]) || Object.keys((VALUES[state.lang] || {})[field] || {});
      const rest = known.map(String).filter((k) => !listed.has(k));
      if (rest.length || !state.enums[layer["source-layer"]]) {
        out.push([rest.length === 1 ? valueText(field, rest[0]) : t("other"), colour[colour.length - 1]]);
      }
    }
    return out;
  }
  if (Array.isArray(colour) && colour[0] === "case") return [[null, colour[colour.length - 1]]];
  return [];
}
const LAYER_NAMES = {
  "roads-expressway": "高速公路", "roads-national": "国道", "roads-provincial": "省道", "roads-county": "县道",
  "roads-township": "乡道", "roads-village": "村道", "roads-urban": "城市道路", "roads-link": "匝道", "incident-lines": "封闭／限速路段",
};
function layerShape(layer) { return layer.type === "line" ? "line" : layer.type === "fill" ? "fill" : "dot"; }
function legendEntries(layers) {
  const entries = [];
  for (const layer of layers) {
    if (layer.type === "symbol" || /-count$|-letter$|-label$|-outline$/.test(layer.id)) continue;
    const colours = paintColours(layer);
    const name = zh() ? LAYER_NAMES[layer.id] : null;
    for (const [label, colour] of colours) {
      if (typeof colour !== "string") continue;
      entries.push({ label: label || name || "", colour, shape: layerShape(layer) });
    }
  }
  return entries;
}
function swatch(e) { return `<span class="swatch ${e.shape}" style="--c:${esc(e.colour)}"></span>`; }
function buildLayerList() {
  const groups = new Map();
  for (const layer of map.getStyle().layers) {
    const key = layer["source-layer"];
    if (!key || key === "coverage_gaps") continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(layer);
  }
  const list = $("layer-list");
  list.innerHTML = "";
  for (const [key, layers] of groups) {
    const names = state.titles[key];
    const title = names ? (zh() ? names.zh : names.en) : key;
    const locked = state.access[key] === "internal" && !state.readToken;  // drawn only with a token
    const entries = legendEntries(layers);
    const detail = entries.filter((e) => e.label).map((e) => `<span class="entry">${swatch(e)}${esc(e.label)}</span>`).join("");
    const row = document.createElement("div");
    row.className = "layer";
    row.innerHTML = `<label><input type="checkbox" checked data-source-layer="${esc(key)}"> ${entries[0] ? swatch(entries[0]) : ""} ${esc(title)}${locked ? ` <small class="locked" title="${esc(t("internal"))}">${esc(t("internal_short"))}</small>` : ""}</label>${detail ? `<div class="entries">${detail}</div>` : ""}`;
    row.querySelector("input").addEventListener("change", (e) => {
      const ids = layers.map((l) => l.id).concat(key === "warnings" ? ["overlay-warning-icons"] : []);
      for (const id of ids) map.setLayoutProperty(id, "visibility", e.target.checked ? "visible" : "none");
    });
    list.appendChild(row);
  }
  buildWallLegend();
}

/* Read access: a token entered in the operator tab (checked on /collections first, so a wrong one never
   breaks the tiles) makes the tiles show the internal layers; an empty field goes back to public ones. */
async function useReadToken(token) {
  if (token) {
    try { await api("/collections", { headers: { Authorization: "Bearer " + token } }); } catch (err) { return; }
  }
  if (token === state.readToken) return;
  state.readToken = token;
  for (const id of ["daoan", "daoan-live"]) {
    const source = map.getSource(id);
    if (source && Array.isArray(source.tiles)) source.setTiles(source.tiles);  // refetched with or without it
  }
  buildLayerList();
}

/* Click: the most specific feature's properties in the page's language, or a pick for the active tool. */
function popupHtml(f) {
  if (f.sourceLayer === "warnings") return warningPopupHtml(f);
  const names = state.titles[f.sourceLayer];
  const title = names ? (zh() ? names.zh : names.en) : f.sourceLayer;
  const p = f.properties;
  const rows = POPUP_KEYS.filter((k) => p[k] !== undefined && p[k] !== null && p[k] !== "" && (k !== "name" || true))
    .map((k) => `<tr><td>${esc(fieldName(k))}</td><td>${esc(valueText(k, p[k]))}</td></tr>`).join("");
  return `<strong>${esc(title)}</strong><table>${rows}</table>`;
}
map.on("click", (e) => {
  const lonlat = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
  if (state.draw) { state.draw.coords.push(lonlat); drawDraft(); return; }
  const overlay = map.queryRenderedFeatures(e.point, { layers: ["overlay-suggestions"].filter((id) => map.getLayer(id)) });
  if (overlay.length) { selectSuggestion(overlay[0].properties.fid); return; }
  // A warning's icon is drawn on top: it answers, in every tab (a traveller clicking it wants to read it).
  const icons = map.queryRenderedFeatures(e.point, { layers: ["overlay-warning-icons"].filter((id) => map.getLayer(id)) });
  if (icons.length) {
    new maplibregl.Popup().setLngLat(icons[0].geometry.coordinates).setHTML(warningPopupHtml(icons[0])).addTo(map);
    return;
  }
  const hazards = map.queryRenderedFeatures(e.point, { layers: ["overlay-hazard-icons"].filter((id) => map.getLayer(id)) });
  if (hazards.length) {
    const h = hazards[0];
    new maplibregl.Popup().setLngLat(h.geometry.coordinates).setHTML(popupHtml({ sourceLayer: "hazard_zones", properties: h.properties })).addTo(map);
    return;
  }
  const features = map.queryRenderedFeatures(e.point).filter((f) => f.sourceLayer);
  if (state.tab === "operator") {
    const station = features.find((f) => f.sourceLayer === "weather_stations");
    if (station) { $("vis-station").value = station.id; $("vis-station").dataset.name = station.properties.name || ""; }
  }
  if (state.tab === "route") { pickRoutePoint(lonlat); return; }
  const rank = (f) => { const i = CLICK_ORDER.indexOf(f.sourceLayer); return i < 0 ? CLICK_ORDER.length : i; };
  const candidates = features.filter((f) => f.sourceLayer !== "coverage_gaps" || state.tab === "planner")
    .sort((a, b) => rank(a) - rank(b));
  if (!candidates.length) return;
  new maplibregl.Popup().setLngLat(e.lngLat).setHTML(popupHtml(candidates[0])).addTo(map);
});

/* ------------------------------------------------------------------ tabs, language, phone, wall */
function selectTab(name) {
  state.tab = name;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === "tab-" + name));
  showPlannerLayers(name === "planner");
  dimFacilities();
  buildLayerList();
  if (name === "planner" && !state.report) loadReport();
}
document.querySelectorAll("#tabs button").forEach((btn) => btn.addEventListener("click", () => selectTab(btn.dataset.tab)));
$("lang").addEventListener("click", () => {
  state.lang = state.lang === "en" ? "zh-CN" : "en";
  localStorage.setItem("daoan.lang", state.lang);
  applyLanguage();
  buildLayerList();
  renderIncidents();
  if (state.from && state.to) route();
});
$("collapse").addEventListener("click", () => {
  const collapsed = $("panel").classList.toggle("collapsed");
  document.body.classList.toggle("panel-collapsed", collapsed);
  $("collapse").textContent = collapsed ? "▴" : "▾";
  map.resize();
});

function enterWall() {
  state.wall = true;
  document.body.classList.add("wall");
  $("wall-board").hidden = false;
  $("legend").hidden = false;
  map.resize();
  map.fitBounds(HUNAN, { padding: 30, duration: 0 });
  wallSizes(true);
  tickClock();
  buildWallLegend();
  updateWall();
  document.body.dataset.wall = "true";
}
/* A wall is read from across the room: place names, neighbours' names and the icons larger there. */
const WALL_SCALE = { "admin-labels": ["text-size", 1.4], "basemap-neighbour-labels": ["text-size", 1.3],
  "overlay-warning-icons": ["icon-size", 1.4], "overlay-hazard-icons": ["icon-size", 1.2] };
const normalSizes = {};
function scaled(value, k) {  // a size (or a zoom interpolation of sizes, matches inside) times k
  if (typeof value === "number") return Math.round(value * k * 100) / 100;
  if (!Array.isArray(value)) return value;
  if (value[0] === "interpolate") return value.map((v, i) => (i >= 4 && i % 2 === 0 ? scaled(v, k) : v));
  if (value[0] === "match") return value.map((v, i) => (i >= 3 && (i % 2 === 1 || i === value.length - 1) ? scaled(v, k) : v));
  return value;
}
function wallSizes(on) {
  for (const [id, [prop, k]] of Object.entries(WALL_SCALE)) {
    if (!map.getLayer(id)) continue;
    if (!(id in normalSizes)) normalSizes[id] = map.getLayoutProperty(id, prop);
    map.setLayoutProperty(id, prop, on ? scaled(normalSizes[id], k) : normalSizes[id]);
  }
}
function leaveWall() {
  state.wall = false;
  wallSizes(false);
  document.body.classList.remove("wall");
  $("wall-board").hidden = true;
  $("legend").hidden = true;
  delete document.body.dataset.wall;
  for (const m of state.wallMarkers) m.remove();
  state.wallMarkers = [];
  setData("wall-points", fc());
  map.resize();
}
$("wall-toggle").addEventListener("click", enterWall);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.wall) leaveWall(); });
function tickClock() {
  const now = new Date();
  const two = (n) => String(n).padStart(2, "0");
  $("wall-clock").textContent = `${now.getFullYear()}年${now.getMonth() + 1}月${now.getDate()}日 ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
  $("wall-clock").dateTime = now.toISOString();
}
setInterval(() => { if (state.wall) tickClock(); }, 1000);
setInterval(() => { if (state.wall) updateWall(); }, 60000);  // readings leave force with time, not only on change
function buildWallLegend() {
  const rows = [
    { label: zh() ? "封闭路段" : "Closed section", html: '<span class="wall-icon closed">封</span>' },
    { label: zh() ? "限速管制" : "Speed restriction", html: '<span class="wall-icon restricted">限</span>' },
    { label: zh() ? "收费站入口封闭" : "Toll entrance closed", html: '<span class="wall-icon entrance">入</span>' },
    // The hazards' triangles as the map draws them (addWarningImages): fog grey, ice blue, the rest amber.
    { label: zh() ? "团雾多发路段" : "Fog-prone section", html: '<span class="wall-icon warning fog">!</span>' },
    { label: zh() ? "易结冰路段" : "Ice-prone section", html: '<span class="wall-icon warning ice">!</span>' },
    { label: zh() ? "其他隐患路段" : "Other hazard section", html: '<span class="wall-icon warning">!</span>' },
    ...["red", "orange", "yellow", "blue"].map((level) => ({
      label: zh() ? `${LEVEL_ZH[level]}预警` : `${level[0].toUpperCase()}${level.slice(1)} warning`,
      html: `<span class="wall-icon alert ${level}">${REASON_MARK.fog}</span>`,
    })),
  ];
  const style = map.getStyle();
  // Roads and city lines from the style (the hazards are the triangles above, not their fills' colours).
  const extra = style ? legendEntries(style.layers.filter((l) => ["roads-expressway", "roads-national", "roads-provincial", "admin-city-line"].includes(l.id))) : [];
  $("legend").innerHTML = `<h3>${esc(t("legend"))}</h3>` + rows.map((r) => `<div>${r.html} ${esc(r.label)}</div>`).join("")
    + extra.filter((e) => e.label).map((e) => `<div>${swatch(e)} ${esc(e.label)}</div>`).join("");
}
/* The wall's icons: closures, restrictions and entrance closures from the incident feed as markers above
   everything; hazards in force from the live hazard zones and the warnings as the map's own icons, under
   the place names (see OVERLAYS). */
async function updateWall() {
  if (!state.wall) return;
  const run = (state.wallRun = (state.wallRun || 0) + 1);  // a later call supersedes this one
  let hazards = [];
  try { hazards = (await api("/collections/hazard_zones/items?limit=1000")).body.features.filter((f) => f.properties.active !== false); } catch (err) { /* shown next time */ }
  // Stations whose latest reading in force is below 500 m; "—" while no station reports visibility at all.
  let lowVis = "—";
  try {
    const { body } = await api("/weather/low-visibility");
    lowVis = body.reporting ? body.features.length : "—";
    $("count-lowvis").title = body.features.map((f) => `${f.properties.name || f.id} ${Math.round(f.properties.visibility_m)}${zh() ? "米" : " m"}`).join("\n");
  } catch (err) { /* shown next time */ }
  if (run !== state.wallRun) return;
  for (const m of state.wallMarkers) m.remove();
  state.wallMarkers = [];
  const incidents = state.incidents;
  const count = (pred) => incidents.filter(pred).length;
  $("count-closed").textContent = count((f) => f.properties.effect === "closed" && f.properties.kind !== "entrance_closure");
  $("count-entrance").textContent = count((f) => f.properties.kind === "entrance_closure");
  $("count-restricted").textContent = count((f) => f.properties.effect === "restricted");
  $("count-warnings").textContent = hazards.length;
  $("count-alerts").textContent = state.warnings.length;
  $("count-lowvis").textContent = lowVis;
  const add = (feature, cls, text, title) => {
    const c = centreOf(feature.geometry);
    if (!c) return;
    const el = document.createElement("div");
    el.className = "wall-icon " + cls;
    el.textContent = text;
    el.title = title;
    state.wallMarkers.push(new maplibregl.Marker({ element: el }).setLngLat(c).addTo(map));
  };
  setData("wall-points", fc(hazards.map((h) => ({ type: "Feature", id: h.id, geometry: { type: "Point", coordinates: centreOf(h.geometry) },
    properties: { ...h.properties, fid: h.id } })).filter((f) => f.geometry.coordinates)));
  for (const f of incidents) {
    const p = f.properties;
    const cls = p.kind === "entrance_closure" ? "entrance" : p.effect === "restricted" ? "restricted" : "closed";
    add(f, cls, cls === "entrance" ? "入" : cls === "restricted" ? "限" : "封", incidentTitle(f));
  }
  document.body.dataset.wallIcons = String(state.wallMarkers.length);
}
function centreOf(g) {
  if (!g) return null;
  const pts = [];
  const add = (c) => { if (typeof c[0] === "number") pts.push(c); else c.forEach(add); };
  add(g.coordinates);
  if (!pts.length) return null;
  return pts[Math.floor(pts.length / 2)];
}

/* ------------------------------------------------------------------ travellers */
function showPicks() {
  const features = [];
  if (state.from) features.push({ type: "Feature", geometry: { type: "Point", coordinates: state.from }, properties: { role: "from" } });
  if (state.to) features.push({ type: "Feature", geometry: { type: "Point", coordinates: state.to }, properties: { role: "to" } });
  setData("picks", fc(features));
  $("route-from").value = state.fromName || (state.from ? state.from.map((v) => v.toFixed(5)).join(",") : "");
  $("route-to").value = state.toName || (state.to ? state.to.map((v) => v.toFixed(5)).join(",") : "");
}
function pickRoutePoint(lonlat) {
  if (!state.from || state.to) {
    state.from = lonlat; state.fromName = ""; state.to = null; state.toName = "";
    setData("route", fc()); setData("route-warnings", fc());
    $("route-summary").textContent = t("pick_from");
  } else { state.to = lonlat; state.toName = ""; }
  showPicks();
  if (state.from && state.to) route();
}
function parseLonLat(text) {
  const parts = String(text).split(",").map(Number);
  return parts.length === 2 && parts.every(Number.isFinite) ? parts : null;
}

/* Suggestions as the traveller types: places (cities, counties), facilities and roads from /search. */
const PLACE_LAYERS = ["admin_areas", "toll_stations", "service_areas", "admin_seats", "command_centres"];
function suggestionItems(body) {
  const items = [];
  for (const f of body.places ? body.places.features : []) {
    items.push({ name: f.properties.name, kind: t("place_" + f.properties.level), point: f.geometry.coordinates, bbox: f.properties.bbox });
  }
  for (const f of body.facilities.features) {
    if (!PLACE_LAYERS.includes(f.properties.layer)) continue;
    const names = state.titles[f.properties.layer];
    items.push({ name: f.properties.name, kind: names ? (zh() ? names.zh : names.en) : "", point: f.geometry.coordinates });
  }
  for (const r of body.roads || []) {
    if (!r.point) continue;
    const name = r.name && r.route_code && !r.name.includes(r.route_code) ? `${r.route_code} ${r.name}` : (r.name || r.route_code);
    items.push({ name, kind: valueText("road_class", r.road_class) || t("road"), point: r.point, bbox: r.bbox });
  }
  return items.slice(0, 12);
}
function wireSearch(which) {
  const input = $("route-" + which), list = $("suggest-" + which);
  let timer = null, seq = 0, items = [], active = -1;
  const close = () => { list.hidden = true; active = -1; };
  const choose = (item) => {
    state[which] = item.point; state[which + "Name"] = item.name;
    close(); showPicks();
    if (state.from && state.to) route();
    else map.flyTo({ center: item.point, zoom: Math.max(map.getZoom(), 9), duration: 0 });
  };
  const render = () => {
    list.innerHTML = items.length
      ? items.map((it, i) => `<li role="option" data-i="${i}" class="${i === active ? "active" : ""}">${esc(it.name)} <small>${esc(it.kind)}</small></li>`).join("")
      : `<li class="none">${esc(t("search_none"))}</li>`;
    list.hidden = false;
    list.querySelectorAll("li[data-i]").forEach((li) => li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(items[Number(li.dataset.i)]); }));
  };
  input.addEventListener("input", () => {
    state[which] = null; state[which + "Name"] = "";
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q || parseLonLat(q)) { close(); return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const { body } = await api("/search?q=" + encodeURIComponent(q));
        if (mine !== seq) return;
        items = suggestionItems(body); active = items.length ? 0 : -1; render();
      } catch (err) { close(); }
    }, 200);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length; render(); e.preventDefault();
    } else if (e.key === "Enter" && active >= 0) { choose(items[active]); e.preventDefault(); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}
wireSearch("from");
wireSearch("to");

function routeLabel(i) {
  const names = zh() ? ["一", "二", "三", "四"] : ["1", "2", "3", "4"];
  return `${t("option")}${names[i] || i + 1}`;
}
// A step's note is of a hazard zone (hazard_id) or of an early warning in force (warning_id): one key for both.
function noteKey(w) {
  return w.warning_id !== undefined ? `warning ${w.warning_id}` : `hazard ${w.hazard_id}`;
}
function routeHazards(feature) {
  const seen = new Map();
  for (const s of feature.properties.steps || []) for (const w of s.warnings || []) if (!seen.has(noteKey(w))) seen.set(noteKey(w), w);
  return [...seen.values()];
}
function showRoute(i) {
  state.chosen = i;
  const features = state.routes.map((f, k) => ({ ...f, properties: { ...f.properties, steps: undefined, chosen: k === i } }));
  features.sort((a, b) => Number(a.properties.chosen) - Number(b.properties.chosen));  // the chosen one on top
  setData("route", fc(features));
  const best = state.routes[i];
  const p = best.properties;
  $("route-summary").dataset.distance = p.distance_m;
  setStatus("route-summary", `${esc(routeLabel(i))}：${t("distance")} ${km(p.distance_m)} ${t("km")} · ${t("duration")} ${mins(p.duration_s)} ${t("min")}`);
  document.querySelectorAll("#route-options button").forEach((b) => b.classList.toggle("active", Number(b.dataset.route) === i));
  const warnPoints = [];
  $("route-steps").innerHTML = (p.steps || []).map((s, k) => {
    const warns = (s.warnings || []).map((w) => {
      warnPoints.push({ type: "Feature", geometry: { type: "Point", coordinates: s.location }, properties: { kind: w.kind, text: w.text, fid: warnPoints.length + 1 } });
      return `<div class="warning ${esc(w.kind)}">⚠ ${esc(w.text)}</div>`;
    }).join("");
    return `<li data-step="${k}">${esc(s.instruction)}${warns}</li>`;
  }).join("");
  setData("route-warnings", fc(warnPoints));
  const township = (p.steps || []).some((s) => s.road && ["township", "village"].includes(s.road.road_class));
  $("route-avoid-note").dataset.township = String(township);
  renderAvoidNote(township);
  fitTo([best]);
  document.body.dataset.routeShown = String(Date.now());
}
function renderAvoidNote(township) {
  const box = $("route-avoid-note");
  const notes = [];
  if ($("route-avoid").checked && state.fastest) {
    const chosen = state.routes[state.chosen];
    const before = new Set(routeHazards(state.fastest).map(noteKey));
    const after = new Set(routeHazards(chosen).map(noteKey));
    const avoided = routeHazards(state.fastest).filter((w) => !after.has(noteKey(w)));
    if (!before.size) notes.push(t("avoided_none"));
    else if (!avoided.length) notes.push(t("avoided_same"));
    else {
      const kinds = {};
      for (const w of avoided) { const k = w.warning_id !== undefined ? "early_warning" : w.kind; kinds[k] = (kinds[k] || 0) + 1; }
      const kindName = (k) => (k === "early_warning" ? (zh() ? "预警" : "early warning") : valueText("kind", k));
      const kindText = Object.entries(kinds).map(([k, n]) => `${kindName(k)}${n}${zh() ? "处" : ""}`).join(zh() ? "、" : ", ");
      notes.push(fill(t("avoided_note"), {
        n: avoided.length, kinds: kindText,
        km: km(Math.max(0, chosen.properties.distance_m - state.fastest.properties.distance_m)),
        min: mins(Math.max(0, chosen.properties.duration_s - state.fastest.properties.duration_s)),
      }));
      if (after.size) notes.push(fill(t("still_on_way"), { n: after.size }));
    }
  }
  if (township) notes.push(t("township_note"));
  box.innerHTML = notes.map((n) => `<p class="note-box">${esc(n)}</p>`).join("");
}
async function fetchRoutes(avoid) {
  const params = new URLSearchParams({ from: state.from.join(","), to: state.to.join(","), alternatives: "1", lang: state.lang });
  if (avoid) params.set("avoid", "hazards");
  return (await api("/route?" + params)).body;
}
async function route() {
  try {
    const avoid = $("route-avoid").checked;
    const [body, fastest] = await Promise.all([fetchRoutes(avoid), avoid ? fetchRoutes(false) : Promise.resolve(null)]);
    state.routes = body.features;
    state.fastest = fastest ? fastest.features[0] : body.features[0];
    $("route-options").innerHTML = state.routes.map((f, i) => {
      const p = f.properties;
      const hz = routeHazards(f).length;
      const via = (p.route_codes || []).filter((c) => /^[GS]\d/.test(c)).slice(0, 4).join(zh() ? "、" : ", ");
      const tag = i === 0 ? `<em>${esc(t(avoid ? "recommended" : "fastest"))}</em>` : "";
      return `<button type="button" class="route-option" data-route="${i}"><b>${esc(routeLabel(i))}</b>${tag} ${km(p.distance_m)}${t("km")} · ${mins(p.duration_s)}${t("min")}${via ? ` · ${t("via")}${esc(via)}` : ""}${hz ? ` · ${t("hazards_on_way")}${hz}${zh() ? "处" : ""}` : ""}${(p.avoided_incident_ids || []).length ? ` · ${t("closures_on_way")}${p.avoided_incident_ids.length}${zh() ? "处" : ""}` : ""}</button>`;
    }).join("");
    $("route-options").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => showRoute(Number(b.dataset.route))));
    showRoute(0);
  } catch (err) {
    setData("route", fc()); setData("route-warnings", fc());
    setStatus("route-summary", errorText(err), false);
    $("route-steps").innerHTML = ""; $("route-options").innerHTML = ""; $("route-avoid-note").innerHTML = "";
    document.body.dataset.routeError = String(Date.now());
  }
}
$("route-go").addEventListener("click", () => {
  for (const which of ["from", "to"]) {
    const typed = parseLonLat($("route-" + which).value);
    if (typed) { state[which] = typed; state[which + "Name"] = ""; }
  }
  showPicks();
  if (state.from && state.to) route();
});
$("route-avoid").addEventListener("change", () => { if (state.from && state.to) route(); });
$("route-clear").addEventListener("click", () => {
  state.from = state.to = null; state.fromName = state.toName = ""; showPicks();
  setData("route", fc()); setData("route-warnings", fc());
  $("route-summary").textContent = ""; $("route-steps").innerHTML = ""; $("route-options").innerHTML = ""; $("route-avoid-note").innerHTML = "";
});

/* ------------------------------------------------------------------ operators */
$("token").value = sessionStorage.getItem("daoan.token") || "";
$("token").addEventListener("change", () => useReadToken($("token").value.trim()));
function placeMode() { return document.querySelector("input[name=place]:checked").value; }
function syncForm() {
  const entrance = $("closure-kind").value === "entrance_closure";
  const mode = placeMode();
  $("place-mode").hidden = entrance;
  $("place-station").hidden = !entrance;
  $("place-stakes").hidden = entrance || mode !== "stakes";
  $("place-draw").hidden = entrance || mode !== "draw";
  $("speed-field").hidden = $("inc-effect").value !== "restricted";
  if (entrance) $("inc-effect").value = "closed";
  $("inc-effect").disabled = entrance;
}
document.querySelectorAll("input[name=place], #closure-kind, #inc-effect").forEach((el) => el.addEventListener("change", syncForm));
async function loadTollStations() {
  try {
    const { body } = await api("/collections/toll_stations/items?limit=1000");
    const features = body.features.sort((a, b) => String(a.properties.route_code).localeCompare(String(b.properties.route_code)) || (a.properties.stake_m || 0) - (b.properties.stake_m || 0));
    $("inc-station").innerHTML = `<option value=""></option>` + features.map((f) => `<option value="${esc(f.id)}">${esc(f.properties.name)}（${esc(f.properties.route_code || "")} ${esc(f.properties.stake || "")}）</option>`).join("");
    const codes = [...new Set(features.map((f) => f.properties.route_code).filter(Boolean))].sort();
    $("route-codes").innerHTML = codes.map((c) => `<option value="${esc(c)}"></option>`).join("");
    state.tollStations = new Map(features.map((f) => [String(f.id), f.properties]));
    renderIncidents();  // an entrance closure is named by its toll station
  } catch (err) { /* the form still takes typed values */ }
}
function drawDraft() {
  const c = state.draw ? state.draw.coords : [];
  const coords = state.draw && state.draw.kind === "polygon" && c.length > 2 ? [...c, c[0]] : c;
  setData("draft", fc(coords.length > 1 ? [{ type: "Feature", geometry: { type: "LineString", coordinates: coords }, properties: {} }] : []));
}
function startDraw(kind) {
  state.draw = { kind, coords: [] };
  $("draw-cancel").disabled = false;
  setStatus("operator-status", t("drawing"));
  map.getCanvas().style.cursor = "crosshair";
}
function stopDraw() {
  state.draw = null; drawDraft();
  $("draw-cancel").disabled = true;
  map.getCanvas().style.cursor = "";
}
$("draw-line").addEventListener("click", () => startDraw("line"));
$("draw-polygon").addEventListener("click", () => startDraw("polygon"));
$("draw-cancel").addEventListener("click", stopDraw);
function localTime(value) { return value ? new Date(value).toISOString() : undefined; }
/* The incident the form describes, as POST /incidents and POST /diversion take it. */
function formBody() {
  const kind = $("closure-kind").value;
  const body = { kind, effect: $("inc-effect").value, direction: $("inc-direction").value };
  if (kind === "entrance_closure") {
    const id = Number($("inc-station").value);
    if (!id) throw new Error(t("need_station"));
    body.toll_station_id = id; body.effect = "closed";
  } else if (placeMode() === "stakes") {
    const routeCode = $("inc-route").value.trim().toUpperCase(), from = $("inc-from").value.trim(), to = $("inc-to").value.trim();
    if (!routeCode || !from || !to) throw new Error(t("need_place"));
    Object.assign(body, { route: routeCode, from_stake: from, to_stake: to });
  } else {
    const d = state.draw;
    if (!d || d.coords.length < (d.kind === "polygon" ? 3 : 2)) throw new Error(t("need_place"));
    body.geometry = d.kind === "polygon" ? { type: "Polygon", coordinates: [[...d.coords, d.coords[0]]] } : { type: "LineString", coordinates: d.coords };
  }
  if (body.effect === "restricted") body.speed_cap_kmh = Number($("inc-speed").value);
  const description = $("inc-description").value.trim();
  if (description) body.description = description;
  const starts = localTime($("inc-starts").value), ends = localTime($("inc-ends").value);
  if (starts) body.starts_at = starts;
  if (ends) body.ends_at = ends;
  return body;
}
$("inc-preview").addEventListener("click", async () => {
  try {
    const body = formBody();
    setStatus("operator-status", "…");
    const plan = (await api("/diversion?lang=" + state.lang, { method: "POST", json: body })).body;
    renderPlan(plan, { preview: true });
    setStatus("operator-status", t("preview_done"));
    document.body.dataset.previewShown = String(Date.now());
  } catch (err) { setStatus("operator-status", errorText(err), false); }
});
$("inc-publish").addEventListener("click", async () => {
  try {
    const body = formBody();
    const created = (await api("/incidents", { method: "POST", auth: true, json: body })).body;
    stopDraw();
    const id = created.id;
    setStatus("operator-status", `${t("posted")} #${esc(id)}`);
    await pollIncidents(true);
    await showDiversion(id);
    if (state.from && state.to) route();
  } catch (err) { setStatus("operator-status", errorText(err), false); }
});

function incidentPlace(p) {
  const station = p.toll_station_id != null && state.tollStations ? state.tollStations.get(String(p.toll_station_id)) : null;
  if (station) return `${station.name}${station.route_code ? `（${station.route_code} ${station.stake || ""}）` : ""}`;
  const section = p.route_code && p.from_stake ? `${p.route_code} ${p.from_stake}${zh() ? "至" : "–"}${p.to_stake}` : (p.route_code || "");
  return section;
}
function incidentTitle(f) {
  const p = f.properties;
  const measure = p.effect === "restricted" ? `${valueText("effect", "restricted")}${p.speed_cap_kmh || ""}${zh() ? "公里/小时" : " km/h"}` : valueText("effect", p.effect);
  // A toll station's entrance has no direction of travel: "双向" there would only puzzle.
  const direction = p.kind === "entrance_closure" ? "" : p.direction_label || valueText("direction", p.direction);
  return [valueText("kind", p.kind), incidentPlace(p), direction, measure].filter(Boolean).join(" · ");
}
function timeText(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getMonth() + 1}月${d.getDate()}日 ${two(d.getHours())}:${two(d.getMinutes())}`;
}
function renderIncidents() {
  $("incident-list").innerHTML = state.incidents.map((f) => {
    const p = f.properties;
    const who = p.created_by ? `<small class="who">${esc(p.created_by)} ${esc(t("published_by"))} · ${esc(timeText(p.created_at))}${p.ends_at ? ` · ${esc(t("ends_at"))} ${esc(timeText(p.ends_at))}` : ""}</small>` : "";
    const confirming = state.confirming === String(f.id);
    const actions = confirming
      ? `<button type="button" class="danger" data-confirm-end="${esc(f.id)}">${t("confirm_end")}</button><button type="button" data-cancel-end="${esc(f.id)}">${t("cancel")}</button>`
      : `<button type="button" data-plan="${esc(f.id)}">${t("show_plan")}</button><button type="button" data-end="${esc(f.id)}">${t("end")}</button>`;
    return `<li data-incident="${esc(f.id)}"><span class="num">#${esc(f.id)}</span> ${esc(incidentTitle(f))}${p.description ? `<br><small>${esc(p.description)}</small>` : ""}<br>${who} <span class="actions">${actions}</span></li>`;
  }).join("") || `<li class="none">${esc(t("no_incidents"))}</li>`;
  const list = $("incident-list");
  list.querySelectorAll("button[data-end]").forEach((b) => b.addEventListener("click", () => { state.confirming = b.dataset.end; renderIncidents(); }));
  list.querySelectorAll("button[data-cancel-end]").forEach((b) => b.addEventListener("click", () => { state.confirming = null; renderIncidents(); }));
  list.querySelectorAll("button[data-confirm-end]").forEach((b) => b.addEventListener("click", () => { state.confirming = null; endIncident(b.dataset.confirmEnd); }));
  list.querySelectorAll("button[data-plan]").forEach((b) => b.addEventListener("click", () => showDiversion(b.dataset.plan)));
}

/* The early warnings in force (GET /warnings, most severe first): level, road, stakes and the bulletin. */
const LEVEL_ZH = { blue: "蓝色", yellow: "黄色", orange: "橙色", red: "红色" };
const REASON_MARK = { fog: "雾", ice: "冰", downgrade_rain: "坡", risk: "险" };
function warningTitle(w) { const p = w.properties; return zh() ? (p.title_zh || "") : (p.title_en || ""); }
const LEVEL_INK = { blue: ["#1c7ed6", "#fff"], yellow: ["#fcc419", "#111"], orange: ["#fd7e14", "#111"], red: ["#e03131", "#fff"] };
/* The warnings' icons, drawn once: a diamond in the level's colour (as the legend's), white-edged, with the
   reason's character; one image per level and reason. */
function addWarningImages() {
  const ratio = 2, size = 28;
  // The hazards' triangles first (as the legend's .wall-icon.warning).
  for (const [kind, colour, ink] of [["fog", "#868e96", "#fff"], ["ice", "#4dabf7", "#111"], ["other", "#f59f00", "#111"]]) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 24 * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.beginPath(); g.moveTo(12, 1.5); g.lineTo(22.5, 21); g.lineTo(1.5, 21); g.closePath();
    g.fillStyle = colour; g.fill(); g.lineWidth = 1.5; g.strokeStyle = "#fff"; g.stroke();
    g.fillStyle = ink; g.textAlign = "center"; g.textBaseline = "middle"; g.font = "bold 13px sans-serif";
    g.fillText("!", 12, 14);
    if (!map.hasImage("hazard-" + kind)) map.addImage("hazard-" + kind, g.getImageData(0, 0, canvas.width, canvas.height), { pixelRatio: ratio });
  }
  for (const [level, [colour, ink]] of Object.entries(LEVEL_INK)) {
    for (const [reason, mark] of Object.entries(REASON_MARK)) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = size * ratio;
      const g = canvas.getContext("2d");
      g.scale(ratio, ratio);
      g.beginPath();
      g.moveTo(size / 2, 1.5); g.lineTo(size - 1.5, size / 2); g.lineTo(size / 2, size - 1.5); g.lineTo(1.5, size / 2);
      g.closePath();
      g.fillStyle = colour; g.fill();
      g.lineWidth = 2; g.strokeStyle = "#fff"; g.stroke();
      g.fillStyle = ink; g.textAlign = "center"; g.textBaseline = "middle";
      g.font = "bold 12px 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif";
      g.fillText(mark, size / 2, size / 2 + 1);
      const id = `warning-${level}-${reason}`;
      if (!map.hasImage(id)) map.addImage(id, g.getImageData(0, 0, canvas.width, canvas.height), { pixelRatio: ratio });
    }
  }
}
/* A warning's popup, in the page's language: its title (大雾橙色预警), level, reason, road, stakes, direction,
   what drivers must do and until when. From the feed's feature (an icon's id or a tile line's) when it has
   it, else from the tile's own properties. */
function warningPopupHtml(f) {
  const fed = state.warnings.find((w) => String(w.id) === String(f.id));
  const p = fed ? fed.properties : f.properties;
  const title = zh() ? (p.title_zh || `${valueText("reason", p.reason)}${LEVEL_ZH[p.level] || ""}预警`) : (p.title_en || `${p.level} warning`);
  const road = [p.route_code, p.road_name && p.road_name !== p.route_code ? p.road_name.replace(p.route_code || "", "") : ""].filter(Boolean).join(" ");
  const stakes = p.from_stake ? `${p.from_stake}${p.to_stake ? (zh() ? "至" : "–") + p.to_stake : ""}` : "";
  const rows = [
    [t("warning_level"), valueText("level", p.level)],
    [t("warning_reason"), valueText("reason", p.reason)],
    [t("road"), road],
    [t("stakes"), stakes],
    [t("direction"), zh() ? p.direction_zh || valueText("direction", p.direction) : p.direction_en || p.direction],
    [t("warning_measure"), zh() ? p.message_zh : p.message_en || p.message_zh],
    [t("expires"), timeText(p.expires_at)],
  ].filter(([, v]) => v);
  return `<strong class="warning-title ${esc(p.level)}">${esc(title)}</strong><table class="warning-popup">`
    + rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join("") + "</table>";
}
function warningPoints() {
  return fc(state.warnings.map((w) => ({ type: "Feature", id: w.id, geometry: { type: "Point", coordinates: centreOf(w.geometry) },
    properties: { level: w.properties.level, reason: w.properties.reason, fid: w.id } })).filter((f) => f.geometry.coordinates));
}
/* The operator's list of warnings in force, most severe first: one entry per warned stretch (its two directions
   of travel together, as a bulletin gives them), the first few shown and the rest one click away (the demo
   alone has some seventy warnings: listed one by one they pushed the plan out of sight). */
const WARNINGS_SHOWN = 5;
function warningGroups() {
  const groups = new Map();
  for (const w of state.warnings) {
    const p = w.properties;
    const lo = Math.min(p.from_stake_m ?? 0, p.to_stake_m ?? 0), hi = Math.max(p.from_stake_m ?? 0, p.to_stake_m ?? 0);
    const key = [p.route_code, p.reason, p.level, Math.round(lo), Math.round(hi)].join("|");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(w);
  }
  return [...groups.values()];
}
function renderWarnings() {
  setData("warning-points", warningPoints());
  const list = $("warning-list");
  if (!list) return;
  const groups = warningGroups();
  const shown = state.allWarnings ? groups : groups.slice(0, WARNINGS_SHOWN);
  list.innerHTML = groups.length ? shown.map((members) => {
    // The stakes in rising order (the direction of travel is said apart).
    const w = members.find((x) => (x.properties.from_stake_m ?? 0) <= (x.properties.to_stake_m ?? 0)) || members[0];
    const p = w.properties;
    const place = p.route_code ? `${p.route_code}${p.from_stake ? " " + p.from_stake + (zh() ? "至" : "–") + (p.to_stake || "") : ""}` : "";
    const directions = members.map((x) => (zh() ? x.properties.direction_zh : x.properties.direction_en)).filter(Boolean).join(zh() ? "、" : "; ");
    return `<li data-warning="${esc(w.id)}" data-warnings="${esc(members.map((x) => x.id).join(","))}"><span class="wall-icon alert ${esc(p.level)}">${esc(REASON_MARK[p.reason] || "!")}</span> <b>${esc(warningTitle(w))}</b> ${esc(place)}`
      + (directions ? `<br><small>${esc(directions)}</small>` : "")
      + `<br><small>${esc(zh() ? p.message_zh : p.message_en)}</small><br><small class="who">${esc(t("expires"))} ${esc(timeText(p.expires_at))}</small></li>`;
  }).join("") : `<li class="none">${esc(t("no_warnings"))}</li>`;
  if (groups.length > WARNINGS_SHOWN) {
    const more = document.createElement("li");
    more.className = "more";
    more.innerHTML = `<button type="button" id="warnings-more">${esc(state.allWarnings ? t("show_fewer") : fill(t("show_all"), { n: groups.length }))}</button>`;
    list.appendChild(more);
    more.querySelector("button").addEventListener("click", () => { state.allWarnings = !state.allWarnings; renderWarnings(); });
  }
  list.querySelectorAll("li[data-warnings]").forEach((li) => li.addEventListener("click", () => {
    const ids = li.dataset.warnings.split(",");
    fitTo(state.warnings.filter((x) => ids.includes(String(x.id))));
  }));
}

/* The facility dots step back while a plan is shown, so that its numbered markers and detours read, and on
   the traveller's tab, where the route, its warnings and the places matter and the police's cameras and
   stations do not. */
function dimFacilities() {
  const on = state.markers.length > 0 || state.tab === "route";
  for (const layer of map.getStyle().layers) {
    if (layer.type !== "circle" || layer.source !== "daoan") continue;
    map.setPaintProperty(layer.id, "circle-opacity", on ? 0.3 : 1);
    map.setPaintProperty(layer.id, "circle-stroke-opacity", on ? 0.3 : 1);
  }
  document.body.dataset.facilitiesDimmed = String(on);
}
function clearPlan() {
  for (const m of state.markers) m.remove();
  state.markers = [];
  setData("plan", fc());
  dimFacilities();
  $("diversion").innerHTML = "";
}
function marker(lonlat, cls, text, title, onClick, offset = [0, 0], anchor = "center") {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "plan-marker " + cls;
  el.textContent = text;
  el.title = title;
  el.addEventListener("click", (e) => { e.stopPropagation(); onClick(); });
  const m = new maplibregl.Marker({ element: el, offset, anchor }).setLngLat(lonlat).addTo(map);
  state.markers.push(m);
  return m;
}
function highlight(key) {
  document.querySelectorAll("#diversion [data-key]").forEach((el) => el.classList.toggle("selected", el.dataset.key === key));
  const el = document.querySelector(`#diversion [data-key="${key}"]`);
  if (el) el.scrollIntoView({ block: "nearest" });
}
/* The plan, grouped by direction and tier: numbered decision points with their exits and detour roads (the
   recommended one marked), the toll stations' measures and each bound sign's message, numbered on the map
   alike; the map zooms to it. */
function renderPlan(plan, { preview = false, id = null } = {}) {
  clearPlan();
  const features = plan.features.map((f) => ({ ...f, properties: { ...f.properties } }));
  let colour = 0;
  const detourColour = new Map();
  for (const f of features) {
    if (f.properties.role === "detour") {
      f.properties.colour = DETOUR_COLOURS[colour++ % DETOUR_COLOURS.length];
      detourColour.set(`${f.properties.stream}:${f.properties.from_node_id}`, f.properties.colour);
    }
  }
  setData("plan", fc(features));
  const streams = plan.directions && plan.directions.length ? plan.directions
    : [...new Set(features.map((f) => f.properties.stream))].filter((s) => s !== undefined).map((s) => ({ stream: s }));
  let pointNo = 0, signNo = 0;
  const closureMarks = [];
  const parts = [];
  const heading = preview ? t("preview_title") : `${t("plan")} #${esc(id ?? plan.incident_id ?? "")}`;
  parts.push(`<h3 class="${preview ? "preview" : ""}">${heading}</h3>`);
  for (const d of streams) {
    const of = (role) => features.filter((f) => f.properties.role === role && f.properties.stream === d.stream);
    const closure = of("closure")[0] || of("restriction")[0];
    const dirName = d.direction_zh && zh() ? d.direction_zh : (closure && (zh() ? closure.properties.direction_zh : closure.properties.direction)) || "";
    parts.push(`<section class="plan-direction" data-stream="${esc(d.stream)}"><h4>${esc(dirName)}</h4>`);
    if (closure) {
      const p = closure.properties;
      const label = closure.properties.role === "restriction" ? t("restriction_section") : t("closure_section");
      const key = "c" + d.stream;
      // The closure itself marked (a few kilometres of red are lost among the detours at plan zoom), once
      // where both directions close the same stretch.
      const at = centreOf(closure.geometry);
      // (the two carriageways' middles lie apart by the road's width: one mark within about 2 km)
      if (at && !closureMarks.some((c) => Math.hypot(c[0] - at[0], c[1] - at[1]) < 0.02)) {
        closureMarks.push(at);
        marker(at, "closure" + (closure.properties.role === "restriction" ? " restriction" : ""),
          closure.properties.role === "restriction" ? (zh() ? "限" : "R") : (zh() ? "封" : "C"), label, () => highlight(key));
      }
      parts.push(`<p class="closure-line" data-key="${esc(key)}">${esc(label)}：${esc(p.route_code || "")} ${esc(p.from_stake || "")}${p.to_stake ? (zh() ? "至" : "–") + esc(p.to_stake) : ""}${p.length_m ? `（${km(p.length_m)}${t("km")}）` : ""}${p.speed_cap_kmh ? ` ${esc(valueText("effect", "restricted"))}${esc(p.speed_cap_kmh)}${zh() ? "公里/小时" : " km/h"}` : ""}</p>`);
    }
    const points = of("decision_point").sort((a, b) => (a.properties.tier === "far" ? 0 : 1) - (b.properties.tier === "far" ? 0 : 1));
    if (points.length) parts.push("<ol class=\"decision-points\">");
    for (const dp of points) {
      const p = dp.properties;
      const n = ++pointNo;
      const key = "p" + n;
      const detour = of("detour").find((x) => x.properties.from_node_id === p.node_id);
      const dp_ = detour ? detour.properties : {};
      const via = p.sends_to || dp_.via_road || "";
      const roads = (dp_.route_codes || []).filter((c) => c !== (closure && closure.properties.route_code) && c !== via).join(zh() ? "、" : ", ");
      const exit = [p.name, p.toll_station, p.stake].filter(Boolean).join(zh() ? "，" : ", ");
      const sw = detourColour.get(`${p.stream}:${p.node_id}`) || "#888";
      parts.push(`<li data-key="${key}" data-node="${esc(p.node_id)}" class="${p.recommended ? "recommended" : ""}"><span class="pnum" style="--c:${sw}">${n}</span> <b>${esc(p.tier === "far" ? t("far_tier") : t("near_tier"))}</b>${p.recommended ? ` <em class="rec">★${esc(t("recommended"))}</em>` : ""}<br>${esc(exit)}${p.distance_to_closure_m ? ` · ${t("from_closure")}${km(p.distance_to_closure_m)}${t("km")}` : ""}`
        + (detour ? `<br><span class="swatch line" style="--c:${sw}"></span> ${t("detour_via")} ${esc(via)}${roads ? `（${zh() ? "途经" : "with "}${esc(roads)}）` : ""} ${km(dp_.distance_m || 0)}${t("km")}${dp_.added_distance_m != null ? `，${t("longer")}${km(dp_.added_distance_m)}${t("km")}` : ""}${dp_.added_duration_s != null ? `、${t("later")}${mins(dp_.added_duration_s)}${t("min")}` : ""}` : "")
        + (p.measure_zh && zh() ? `<br><small>${esc(p.measure_zh)}</small>` : "") + "</li>");
      marker(dp.geometry.coordinates, "decision" + (p.recommended ? " recommended" : ""), String(n), `${n} ${exit}`, () => highlight(key));
    }
    if (points.length) parts.push("</ol>");
    if (d.far_note_zh && zh()) parts.push(`<p class="note">${esc(d.far_note_zh)}</p>`);
    const stations = of("entrance_closure").filter((f) => f.geometry.type === "Point");
    if (stations.length) {
      parts.push(`<p class="stations"><b>${t("entrance_controls")}</b>：` + stations.map((s) => {
        const p = s.properties;
        marker(s.geometry.coordinates, "entrance", zh() ? "入" : "E", `${p.name} ${p.measure_zh || ""}`, () => highlight("s" + p.toll_station_id), [16, -10]);
        return `<span data-key="s${esc(p.toll_station_id)}">${esc(p.name)}（${esc(zh() ? p.measure_zh : p.tier === "closure" ? "entrance closed" : "exit only")}）</span>`;
      }).join(zh() ? "；" : "; ") + "</p>");
    }
    const signs = of("sign").sort((a, b) => (b.properties.distance_to_closure_m || 0) - (a.properties.distance_to_closure_m || 0));
    if (signs.length) parts.push(`<h5>${t("signs")}</h5>`);
    for (const s of signs) {
      const p = s.properties;
      const n = ++signNo;
      const key = "g" + n;
      const lines = zh() ? (p.message_lines || [p.message_zh]) : [p.message_en];
      parts.push(`<div class="sign-item" data-key="${key}"><span class="snum">${t("sign_no")}${n}</span> ${esc(p.sign_name || "")} ${esc(p.stake || "")}<div class="sign">${lines.map((l) => `<div>${esc(l)}</div>`).join("")}</div></div>`);
      marker(s.geometry.coordinates, "sign", `${t("sign_no")}${n}`, `${p.sign_name || ""} ${p.message_zh || ""}`, () => {
        highlight(key);
        new maplibregl.Popup({ offset: 24 }).setLngLat(s.geometry.coordinates)
          .setHTML(`<strong>${esc(p.sign_name || t("signs"))}</strong><div class="sign">${lines.map((l) => `<div>${esc(l)}</div>`).join("")}</div>`).addTo(map);
      }, [0, -4], "bottom");
    }
    parts.push("</section>");
  }
  if (plan.legal_basis) parts.push(`<p class="note"><b>${t("legal_basis")}</b>：${esc(zh() ? plan.legal_basis.note_zh || "" : plan.legal_basis.note_en || "")}</p>`);
  $("diversion").innerHTML = parts.join("");
  dimFacilities();
  $("diversion").querySelectorAll("[data-key]").forEach((el) => el.addEventListener("click", () => {
    const i = [...$("diversion").querySelectorAll("li[data-key], .sign-item[data-key]")].indexOf(el);
    highlight(el.dataset.key);
    const m = state.markers.find((mk) => mk.getElement().textContent === el.querySelector(".pnum, .snum")?.textContent);
    if (m) map.easeTo({ center: m.getLngLat(), zoom: Math.max(map.getZoom(), 11), duration: 0 });
    return i;
  }));
  fitTo(features);
  $("diversion").scrollIntoView({ block: "start" });
}
async function showDiversion(id) {
  try {
    const { body } = await api(`/diversion?incident=${encodeURIComponent(id)}&lang=${state.lang}`);
    renderPlan(body, { id });
    document.body.dataset.planShown = String(id);
  } catch (err) { $("diversion").innerHTML = `<span class="bad">${errorText(err)}</span>`; }
}
async function endIncident(id) {
  try {
    await api(`/incidents/${encodeURIComponent(id)}`, { method: "DELETE", auth: true });
    setStatus("operator-status", `${t("ended")} #${esc(id)}`);
    clearPlan();
    await pollIncidents(true);
    if (state.from && state.to) route();
  } catch (err) { setStatus("operator-status", errorText(err), false); }
}
$("vis-send").addEventListener("click", async () => {
  const station = Number($("vis-station").value), visibility = Number($("vis-value").value);
  if (!station || !Number.isFinite(visibility)) return;
  try {
    await api("/weather/observations", { method: "POST", auth: true, json: { station_id: station, visibility_m: visibility, observed_at: new Date().toISOString() } });
    setStatus("operator-status", `${t("sent")}：${esc($("vis-station").dataset.name || station)} ${visibility}${zh() ? "米" : " m"}`);
    await pollIncidents(true);
  } catch (err) { setStatus("operator-status", errorText(err), false); }
});

/* Live: poll the layers' data versions (cheap, with ETag); when a live layer changes, reload its
   tiles and the incident list. Which layers are live, and the source that holds them, the style
   says (metadata "daoan:live", from the server's layer catalogue). */
function liveLayers() {
  const live = (map.getStyle().metadata || {})["daoan:live"];
  return live && Array.isArray(live.layers) ? live : { source: null, layers: [] };
}
async function pollIncidents(force = false) {
  try {
    const headers = !force && state.versionsEtag ? { "If-None-Match": state.versionsEtag } : {};
    const resp = await fetch("/versions", { headers, cache: "no-cache" });
    if (resp.status === 304 || !resp.ok) return;
    state.versionsEtag = resp.headers.get("ETag");
    const versions = await resp.json();
    const live = liveLayers().layers.map((l) => versions[l] ?? 0).join(".");
    if (!force && live === state.liveVersion) return;
    state.liveVersion = live;
    const feed = await (await fetch("/incidents", { cache: "no-cache" })).json();
    state.incidents = feed.features;
    renderIncidents();
    try {
      state.warnings = (await (await fetch("/warnings?lang=" + state.lang, { cache: "no-cache" })).json()).features || [];
    } catch (err) { /* the next poll retries */ }
    renderWarnings();
    refreshLiveTiles(live);
    updateWall();
  } catch (err) { /* offline for a moment: the next poll retries */ }
}
function refreshLiveTiles(version) {
  const id = liveLayers().source;
  const source = id && map.getSource(id);
  if (!source || source.type !== "vector" || !Array.isArray(source.tiles)) return;
  const tiles = source.tiles.map((u) => {
    const url = new URL(u, location.href);
    url.searchParams.set("v", version);
    return decodeURI(url.toString());
  });
  if (tiles.join() !== source.tiles.join()) source.setTiles(tiles);
}

/* ------------------------------------------------------------------ planners */
const UNIT_KEYS = { share: "units_share", km_per_point: "units_km_per_point", stations: "units_stations", sets: "units_sets",
  cities: "units_cities", counties: "units_counties", points: "units_points", sections: "units_sections" };
function metricValue(v, unit) {
  if (typeof v !== "number") return esc(v ?? t("not_applicable"));
  if (unit === "share") return `${(v * 100).toFixed(1)}%`;
  const text = Number.isInteger(v) ? v.toLocaleString("zh-CN") : v.toFixed(1);
  const u = UNIT_KEYS[unit] ? t(UNIT_KEYS[unit]) : "";
  return `${text}${u ? (zh() ? "" : " ") + u : ""}`;
}
function metricRows(metrics) {
  return Object.entries(metrics || {}).map(([name, m]) => {
    const obj = typeof m === "object" && m !== null ? m : { value: m };
    const label = state.labels[name] || name;
    const hasTarget = obj.target !== null && obj.target !== undefined;
    const met = hasTarget && obj.met !== undefined && obj.met !== null ? obj.met : undefined;
    const metCell = met === undefined ? `<td class="na">${t("not_applicable")}</td>` : `<td class="${met ? "ok" : "bad"}">${met ? t("yes") : t("no")}</td>`;
    return `<tr data-metric="${esc(name)}"><td>${esc(label)}</td><td class="value" data-value="${esc(typeof obj.value === "number" ? obj.value : "")}">${metricValue(obj.value, obj.unit)}</td><td>${hasTarget ? metricValue(obj.target, obj.unit) : t("not_applicable")}</td>${metCell}</tr>`;
  }).join("");
}
function compliance(area) {
  if (area.compliance && typeof area.compliance.share === "number") return area.compliance.share;
  const metrics = Object.values(area.metrics || {}).filter((m) => m && typeof m === "object" && m.target != null && "met" in m);
  return metrics.length ? metrics.filter((m) => m.met).length / metrics.length : 0;
}
function drawChart(areas) {
  const cities = areas.filter((a) => a.level === "city");
  const labelW = 150, barW = 150, width = labelW + barW + 50, bar = 16, height = cities.length * (bar + 4) + 10;
  const rows = cities.map((a, i) => {
    const share = compliance(a), y = 5 + i * (bar + 4);
    return `<text x="${labelW - 6}" y="${y + 12}" font-size="11" text-anchor="end">${esc(a.name)}</text><rect x="${labelW}" y="${y}" width="${Math.max(1, share * barW).toFixed(1)}" height="${bar}" fill="${share >= 1 ? "#2f9e44" : "#e8590c"}"/><text x="${labelW + 4 + share * barW}" y="${y + 12}" font-size="11">${Math.round(share * 100)}%</text>`;
  }).join("");
  $("plan-chart").innerHTML = `<svg id="city-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(t("chart_caption"))}">${rows}</svg>`;
  $("plan-chart-caption").textContent = t("chart_caption");
}
function exportLinks(year, area) {
  const q = `year=${encodeURIComponent(year)}${area ? "&area=" + encodeURIComponent(area) : ""}&lang=${state.lang}`;
  $("plan-export").innerHTML = `<a class="button" id="export-csv" href="/coverage/report?${q}&format=csv" download>${t("export_csv")}</a>`
    + `<a class="button" id="export-html" href="/coverage/report?${q}&format=html" target="_blank" rel="noopener">${t("export_html")}</a>`
    + `<a class="button" id="export-pdf" href="/coverage/report?${q}&format=pdf" download>${t("export_pdf")}</a>`;
}
async function outlineArea(adcode) {
  try {
    const { body } = await api(`/collections/admin_areas/items?adcode=${encodeURIComponent(adcode)}&limit=1`);
    setData("area", body);
    fitTo(body.features);
  } catch (err) { setData("area", fc()); }
}
async function loadReport() {
  const year = $("plan-year").value, area = $("plan-area").value;
  try {
    const { body } = await api(`/coverage/report?year=${year}&lang=${state.lang}`);
    state.report = body;
    state.labels = body.metric_labels || {};
    const select = $("plan-area");
    if (select.options.length <= 1) {
      for (const a of body.areas.filter((x) => x.level !== "province")) {
        const opt = document.createElement("option");
        opt.value = a.adcode; opt.textContent = (a.level === "county" ? "　" : "") + a.name;
        select.appendChild(opt);
      }
      select.value = area;
    }
    const chosen = body.areas.find((a) => a.adcode === (area || "430000")) || body.areas[0];
    $("plan-figures").innerHTML = `<h3 data-adcode="${esc(chosen.adcode)}">${esc(chosen.name)} · ${esc(year)}${zh() ? "年" : ""}</h3><table><tr><th>${t("metric")}</th><th>${t("value")}</th><th>${t("target")}</th><th>${t("met")}</th></tr>${metricRows(chosen.metrics)}</table>`;
    drawChart(body.areas);
    exportLinks(year, area);
    outlineArea(chosen.adcode);
    const gaps = await api(`/coverage/gaps?kind=camera&year=${year}${area ? "&area=" + area : ""}`);
    setData("gaps", gaps.body);
    document.body.dataset.reportShown = chosen.adcode;
  } catch (err) { $("plan-figures").innerHTML = `<span class="bad">${errorText(err)}</span>`; }
}
$("plan-go").addEventListener("click", loadReport);
$("plan-area").addEventListener("change", loadReport);
let selectedSuggestion = null;
function selectSuggestion(fid) {
  if (selectedSuggestion !== null) map.setFeatureState({ source: "suggestions", id: selectedSuggestion }, { selected: false });
  selectedSuggestion = fid;
  map.setFeatureState({ source: "suggestions", id: fid }, { selected: true });
  document.querySelectorAll("#plan-suggestions li").forEach((li) => li.classList.toggle("selected", Number(li.dataset.fid) === fid));
  const li = document.querySelector(`#plan-suggestions li[data-fid="${fid}"]`);
  if (li) li.scrollIntoView({ block: "nearest" });
}
$("plan-suggest").addEventListener("click", async () => {
  const year = $("plan-year").value, area = $("plan-area").value;
  try {
    const { body } = await api(`/coverage/suggest?kind=camera&year=${year}&lang=${state.lang}${area ? "&area=" + area : ""}`);
    const features = (body.features || []).map((f) => ({ ...f, properties: { ...f.properties } }))
      .sort((a, b) => (b.properties.priority_weight || 0) - (a.properties.priority_weight || 0));
    features.forEach((f, i) => { f.properties.fid = i + 1; f.properties.rank = i + 1; });
    setData("suggestions", fc(features));
    const shown = features.slice(0, RANKS_LISTED);
    $("plan-suggestions").innerHTML = `<h3>${t("ranked")}</h3><p class="note">${esc(fill(t("suggestions_shown"), { n: features.length, m: shown.length }))}</p><ol class="ranked">`
      + shown.map((f) => `<li data-fid="${f.properties.fid}">${esc(f.properties.text || `${f.properties.route_code || ""} ${f.properties.stake || ""}`)}</li>`).join("") + "</ol>";
    $("plan-suggestions").querySelectorAll("li").forEach((li) => li.addEventListener("click", () => {
      const f = features[Number(li.dataset.fid) - 1];
      selectSuggestion(f.properties.fid);
      map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 11), duration: 0 });
    }));
    document.body.dataset.suggestionsShown = String(features.length);
  } catch (err) { $("plan-suggestions").innerHTML = `<span class="bad">${errorText(err)}</span>`; }
});

applyLanguage();
syncForm();
