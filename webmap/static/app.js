/* Daoan web map: layers, routes, closures with diversion plans, coverage — no CDN, no build step. */
"use strict";

const I18N = {
  "zh-CN": {
    subtitle: "道路交通安全监管云", tab_layers: "图层", tab_route: "路线", tab_operator: "指挥", tab_planner: "规划",
    synthetic_note: "演示路网为合成数据 (synthetic)。", route_hint: "在地图上依次点击起点和终点，或输入坐标。",
    from: "起点", to: "终点", route_go: "规划路线", clear: "清除", avoid_hazards: "避开隐患", token: "令牌",
    closure: "封闭管制", kind_weather: "恶劣天气封闭", kind_accident: "事故", kind_works: "施工", kind_control: "交通管制",
    draw_line: "画线", draw_polygon: "画面", finish: "完成并发布", cancel: "取消", visibility: "能见度上报",
    visibility_hint: "点击地图上的气象站，输入能见度 (米)。", station: "站点", visibility_m: "能见度 (米)", send: "上报",
    incidents_in_force: "当前事件", year: "标准年度", area: "区域", load: "查询", suggest: "建议点位",
    distance: "距离", duration: "时间", km: "公里", min: "分钟", avoided: "已避开事件", end: "结束",
    need_token: "请先输入令牌", internal: "内部图层：在“指挥”页输入令牌后显示", drawing: "在地图上点击绘制，完成后点“完成并发布”", posted: "已发布事件",
    ended: "已结束事件", plan: "分流方案", decision_points: "分流点", detour: "绕行", signs: "诱导屏信息",
    metric: "指标", value: "现状", target: "目标", met: "达标", yes: "是", no: "否", province: "湖南省",
    no_route: "无可行路线", sent: "已上报", pick_from: "已选起点，请点击终点", suggestions: "建议新增",
  },
  en: {
    subtitle: "Road-traffic-safety supervision", tab_layers: "Layers", tab_route: "Route", tab_operator: "Operator",
    tab_planner: "Planner", synthetic_note: "The demo road network is synthetic.",
    route_hint: "Click origin then destination on the map, or type coordinates.", from: "From", to: "To",
    route_go: "Route", clear: "Clear", avoid_hazards: "Avoid hazards", token: "Token", closure: "Closure",
    kind_weather: "Weather closure", kind_accident: "Accident", kind_works: "Works", kind_control: "Control",
    draw_line: "Draw line", draw_polygon: "Draw polygon", finish: "Finish & publish", cancel: "Cancel",
    visibility: "Visibility report", visibility_hint: "Click a weather station on the map, enter visibility (m).",
    station: "Station", visibility_m: "Visibility (m)", send: "Send", incidents_in_force: "Incidents in force",
    year: "Standard year", area: "Area", load: "Load", suggest: "Suggest sites", distance: "Distance",
    duration: "Time", km: "km", min: "min", avoided: "Avoided incidents", end: "End",
    need_token: "Enter a token first", internal: "Internal layer: shown once a token is entered (Operator tab)", drawing: "Click on the map to draw, then Finish & publish",
    posted: "Incident published", ended: "Incident ended", plan: "Diversion plan", decision_points: "Decision points",
    detour: "Detour", signs: "Sign messages", metric: "Metric", value: "Value", target: "Target", met: "Met",
    yes: "yes", no: "no", province: "Hunan", no_route: "No route", sent: "Sent",
    pick_from: "Origin set: click the destination", suggestions: "Suggested new sites",
  },
};

const state = {
  lang: localStorage.getItem("daoan.lang") || ((navigator.language || "zh").startsWith("zh") ? "zh-CN" : "en"),
  tab: "layers",
  from: null, to: null,
  draw: null,          // {kind: "line"|"polygon", coords: [[lon,lat]…]}
  pickStation: false,
  versionsEtag: null,
  liveVersion: null,
  report: null,
  titles: {},          // layer id → {en, zh} from /collections
  access: {},          // layer id → "public" | "internal" from /collections
  readToken: "",       // a token checked by /collections: tiles then carry it (internal layers shown)
};
const $ = (id) => document.getElementById(id);
const t = (key) => (I18N[state.lang] && I18N[state.lang][key]) || I18N["zh-CN"][key] || key;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fc = (features) => ({ type: "FeatureCollection", features: features || [] });

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = state.lang === "en" ? "中文" : "EN";
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
  if (!resp.ok) throw new Error((body && body.detail) || resp.status + " " + resp.statusText);
  return { status: resp.status, body, headers: resp.headers };
}

function setStatus(id, html, ok = true) { $(id).innerHTML = `<span class="${ok ? "ok" : "bad"}">${html}</span>`; }

/* ------------------------------------------------------------------ map */
const map = new maplibregl.Map({
  container: "map",
  style: "/styles/daoan.json",
  hash: true,
  ...(location.hash ? {} : { center: [111.7, 27.6], zoom: 6 }),
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
  route: { type: "line", paint: { "line-color": ["case", ["==", ["get", "rank"], 0], "#1f6feb", "#7b93db"], "line-width": 6, "line-opacity": 0.85 } },
  picks: { type: "circle", paint: { "circle-radius": 7, "circle-color": ["match", ["get", "role"], "from", "#0b7a3e", "#b42318"], "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
  draft: { type: "line", paint: { "line-color": "#d6336c", "line-width": 4, "line-dasharray": [2, 1] } },
  plan_lines: { type: "line", source: "plan", filter: ["in", ["geometry-type"], ["literal", ["LineString", "MultiLineString"]]],
    paint: { "line-color": ["match", ["get", "role"], "closure", "#b42318", "detour", "#0b7a3e", "#6c757d"], "line-width": ["match", ["get", "role"], "closure", 7, 4] } },
  plan_points: { type: "circle", source: "plan", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 6, "circle-color": ["match", ["get", "role"], "decision_point", "#f59f00", "control_point", "#b42318", "entrance_closure", "#7048e8", "sign", "#111111", "#6c757d"], "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
  gaps: { type: "line", paint: { "line-color": "#e8590c", "line-width": 5, "line-opacity": 0.8 } },
  suggestions: { type: "circle", paint: { "circle-radius": 6, "circle-color": "#12b886", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
};

map.on("load", () => {
  for (const name of ["route", "picks", "draft", "plan", "gaps", "suggestions"]) map.addSource(name, { type: "geojson", data: fc() });
  for (const [id, spec] of Object.entries(OVERLAYS)) {
    map.addLayer({ id: "overlay-" + id, source: spec.source || id, type: spec.type, paint: spec.paint, ...(spec.filter ? { filter: spec.filter } : {}) });
  }
  buildLayerList();
  api("/collections").then(({ body }) => {
    for (const c of body.collections) {
      state.titles[c.id] = { en: c.title, zh: c.title_zh || c.title };
      state.access[c.id] = c.access;
    }
    buildLayerList();
  }).catch(() => {});
  if (sessionStorage.getItem("daoan.token")) useReadToken(sessionStorage.getItem("daoan.token"));
  pollIncidents();
  setInterval(pollIncidents, 5000);
  document.body.dataset.mapLoaded = "true";
});

function setData(source, data) { const s = map.getSource(source); if (s) s.setData(data); }

/* Layer switcher and legend, from the style's own layers grouped by source-layer. */
function buildLayerList() {
  const groups = new Map();
  for (const layer of map.getStyle().layers) {
    const key = layer["source-layer"];
    if (!key) continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(layer);
  }
  const list = $("layer-list");
  list.innerHTML = "";
  for (const [key, layers] of groups) {
    const paint = layers[0].paint || {};
    const colour = [paint["line-color"], paint["circle-color"], paint["fill-color"], paint["text-color"]].find((c) => typeof c === "string") || "#9aa5b1";
    const names = state.titles[key];
    const title = names ? (state.lang === "en" ? names.en : names.zh) : key;
    const locked = state.access[key] === "internal" && !state.readToken;  // drawn only with a token
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" checked data-source-layer="${esc(key)}"> <span class="swatch" style="background:${esc(colour)}"></span> ${esc(title)}${locked ? ` <small class="locked" title="${esc(t("internal"))}">🔒</small>` : ""}`;
    label.querySelector("input").addEventListener("change", (e) => {
      for (const l of layers) map.setLayoutProperty(l.id, "visibility", e.target.checked ? "visible" : "none");
    });
    list.appendChild(label);
  }
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

/* Click: a feature's properties, or a pick for the active tool. */
const POPUP_KEYS = ["name", "route_code", "stake", "kind", "status", "road_class", "level", "direction", "effect", "speed_cap_kmh", "station_code", "severity", "install_year", "adcode"];
map.on("click", (e) => {
  const lonlat = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
  if (state.draw) { state.draw.coords.push(lonlat); drawDraft(); return; }
  const features = map.queryRenderedFeatures(e.point).filter((f) => f.sourceLayer);
  if (state.pickStation) {
    const station = features.find((f) => f.sourceLayer === "weather_stations");
    if (station) { $("vis-station").value = station.id; $("vis-station").dataset.name = station.properties.name || ""; return; }
  }
  if (state.tab === "route") { pickRoutePoint(lonlat); return; }
  if (!features.length) return;
  const f = features[0];
  const rows = POPUP_KEYS.filter((k) => f.properties[k] !== undefined && f.properties[k] !== null)
    .map((k) => `<tr><td>${esc(k)}</td><td>${esc(f.properties[k])}</td></tr>`).join("");
  new maplibregl.Popup().setLngLat(e.lngLat)
    .setHTML(`<strong>${esc(f.sourceLayer)} #${esc(f.id)}</strong><table>${rows}</table>`).addTo(map);
});

/* ------------------------------------------------------------------ tabs */
document.querySelectorAll("#tabs button").forEach((btn) => btn.addEventListener("click", () => {
  state.tab = btn.dataset.tab;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b === btn));
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === "tab-" + state.tab));
  state.pickStation = state.tab === "operator";
  if (state.tab === "planner" && !state.report) loadReport();
}));
$("lang").addEventListener("click", () => {
  state.lang = state.lang === "en" ? "zh-CN" : "en";
  localStorage.setItem("daoan.lang", state.lang);
  applyLanguage();
  buildLayerList();
  if (state.from && state.to) route();
});
$("collapse").addEventListener("click", () => $("panel").classList.toggle("collapsed"));

/* ------------------------------------------------------------------ travellers */
function showPicks() {
  const features = [];
  if (state.from) features.push({ type: "Feature", geometry: { type: "Point", coordinates: state.from }, properties: { role: "from" } });
  if (state.to) features.push({ type: "Feature", geometry: { type: "Point", coordinates: state.to }, properties: { role: "to" } });
  setData("picks", fc(features));
  $("route-from").value = state.from ? state.from.join(",") : "";
  $("route-to").value = state.to ? state.to.join(",") : "";
}
function pickRoutePoint(lonlat) {
  if (!state.from || state.to) { state.from = lonlat; state.to = null; setData("route", fc()); $("route-summary").textContent = t("pick_from"); }
  else { state.to = lonlat; }
  showPicks();
  if (state.from && state.to) route();
}
function parseLonLat(text) {
  const parts = text.split(",").map(Number);
  return parts.length === 2 && parts.every(Number.isFinite) ? parts : null;
}
async function route() {
  const params = new URLSearchParams({ from: state.from.join(","), to: state.to.join(","), alternatives: "1", lang: state.lang });
  if ($("route-avoid").checked) params.set("avoid", "hazards");
  try {
    const { body } = await api("/route?" + params);
    const features = body.features.map((f, i) => ({ ...f, properties: { ...f.properties, rank: i } })).reverse();
    setData("route", fc(features));
    const best = body.features[0];
    const p = best.properties;
    const avoided = (p.avoided_incident_ids || []).length ? ` · ${t("avoided")}: ${p.avoided_incident_ids.join(", ")}` : "";
    setStatus("route-summary", `${t("distance")} ${(p.distance_m / 1000).toFixed(1)} ${t("km")} · ${t("duration")} ${Math.round(p.duration_s / 60)} ${t("min")}${avoided}`);
    $("route-summary").dataset.distance = p.distance_m;
    $("route-steps").innerHTML = (p.steps || []).map((s) => `<li>${esc(s.instruction)}</li>`).join("");
    document.body.dataset.routeShown = String(Date.now());
  } catch (err) {
    setData("route", fc());
    setStatus("route-summary", esc(err.message || t("no_route")), false);
    $("route-steps").innerHTML = "";
  }
}
$("route-go").addEventListener("click", () => {
  state.from = parseLonLat($("route-from").value); state.to = parseLonLat($("route-to").value);
  showPicks();
  if (state.from && state.to) route();
});
$("route-clear").addEventListener("click", () => {
  state.from = state.to = null; showPicks(); setData("route", fc());
  $("route-summary").textContent = ""; $("route-steps").innerHTML = "";
});

/* ------------------------------------------------------------------ operators */
$("token").value = sessionStorage.getItem("daoan.token") || "";
$("token").addEventListener("change", () => useReadToken($("token").value.trim()));
function drawDraft() {
  const c = state.draw ? state.draw.coords : [];
  const coords = state.draw && state.draw.kind === "polygon" && c.length > 2 ? [...c, c[0]] : c;
  setData("draft", fc(coords.length > 1 ? [{ type: "Feature", geometry: { type: "LineString", coordinates: coords }, properties: {} }] : []));
}
function startDraw(kind) {
  state.draw = { kind, coords: [] };
  $("draw-finish").disabled = false; $("draw-cancel").disabled = false;
  setStatus("operator-status", t("drawing"));
  map.getCanvas().style.cursor = "crosshair";
}
function stopDraw() {
  state.draw = null; drawDraft();
  $("draw-finish").disabled = true; $("draw-cancel").disabled = true;
  map.getCanvas().style.cursor = "";
}
$("draw-line").addEventListener("click", () => startDraw("line"));
$("draw-polygon").addEventListener("click", () => startDraw("polygon"));
$("draw-cancel").addEventListener("click", stopDraw);
$("draw-finish").addEventListener("click", async () => {
  const d = state.draw;
  if (!d || d.coords.length < (d.kind === "polygon" ? 3 : 2)) return;
  const geometry = d.kind === "polygon"
    ? { type: "Polygon", coordinates: [[...d.coords, d.coords[0]]] }
    : { type: "LineString", coordinates: d.coords };
  try {
    const { body } = await api("/incidents", { method: "POST", auth: true, json: { geometry, kind: $("closure-kind").value, effect: "closed", direction: "both" } });
    stopDraw();
    const id = body.id ?? (body.properties && body.properties.id);
    setStatus("operator-status", `${t("posted")} #${esc(id)}`);
    await pollIncidents(true);
    await showDiversion(id);
    if (state.from && state.to) route();
  } catch (err) { setStatus("operator-status", esc(err.message), false); }
});
async function showDiversion(id) {
  try {
    const { body } = await api(`/diversion?incident=${encodeURIComponent(id)}&lang=${state.lang}`);
    setData("plan", body);
    const roles = (r) => body.features.filter((f) => f.properties.role === r);
    const signs = roles("sign").map((f) => `<div class="sign">${esc(state.lang === "en" ? f.properties.message_en : f.properties.message_zh)}</div>`).join("");
    const detours = roles("detour").map((f) => `<li>${esc(f.properties.name || f.properties.via || "")} +${((f.properties.added_distance_m || 0) / 1000).toFixed(1)} ${t("km")}, +${Math.round((f.properties.added_duration_s || 0) / 60)} ${t("min")}</li>`).join("");
    $("diversion").innerHTML = `<h3>${t("plan")} #${esc(id)}</h3><p>${t("decision_points")}: ${roles("decision_point").length}</p><ul>${detours}</ul><h3>${t("signs")}</h3>${signs}`;
    document.body.dataset.planShown = String(id);
  } catch (err) { $("diversion").innerHTML = `<span class="bad">${esc(err.message)}</span>`; }
}
async function endIncident(id) {
  try {
    await api(`/incidents/${encodeURIComponent(id)}`, { method: "DELETE", auth: true });
    setStatus("operator-status", `${t("ended")} #${esc(id)}`);
    setData("plan", fc()); $("diversion").innerHTML = "";
    await pollIncidents(true);
    if (state.from && state.to) route();
  } catch (err) { setStatus("operator-status", esc(err.message), false); }
}
$("vis-send").addEventListener("click", async () => {
  const station = Number($("vis-station").value), visibility = Number($("vis-value").value);
  if (!station || !Number.isFinite(visibility)) return;
  try {
    await api("/weather/observations", { method: "POST", auth: true, json: { station_id: station, visibility_m: visibility, observed_at: new Date().toISOString() } });
    setStatus("operator-status", `${t("sent")}: ${esc($("vis-station").dataset.name || station)} ${visibility} m`);
    await pollIncidents(true);
  } catch (err) { setStatus("operator-status", esc(err.message), false); }
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
    $("incident-list").innerHTML = feed.features.map((f) => {
      const p = f.properties;
      return `<li data-incident="${esc(f.id)}">#${esc(f.id)} ${esc(p.kind)} ${esc(p.route_code || "")} <button type="button" data-end="${esc(f.id)}">${t("end")}</button></li>`;
    }).join("");
    $("incident-list").querySelectorAll("button[data-end]").forEach((b) => b.addEventListener("click", () => endIncident(b.dataset.end)));
    refreshLiveTiles(live);
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
function metricRows(metrics) {
  return Object.entries(metrics || {}).map(([name, m]) => {
    const value = typeof m === "object" && m !== null ? m.value : m;
    const target = typeof m === "object" && m !== null ? m.target : "";
    const met = typeof m === "object" && m !== null ? m.met : undefined;
    const fmt = (v) => (typeof v === "number" ? (Math.abs(v) < 10 && !Number.isInteger(v) ? v.toFixed(3) : v.toLocaleString()) : esc(v ?? "—"));
    return `<tr data-metric="${esc(name)}"><td>${esc(name)}</td><td class="value" data-value="${esc(typeof value === "number" ? value : "")}">${fmt(value)}</td><td>${fmt(target)}</td><td class="${met ? "ok" : "bad"}">${met === undefined ? "" : met ? t("yes") : t("no")}</td></tr>`;
  }).join("");
}
function compliance(area) {
  const metrics = Object.values(area.metrics || {}).filter((m) => m && typeof m === "object" && "met" in m);
  return metrics.length ? metrics.filter((m) => m.met).length / metrics.length : 0;
}
function drawChart(areas) {
  const cities = areas.filter((a) => a.level === "city");
  const width = 320, bar = 16, height = cities.length * (bar + 4) + 10;
  const rows = cities.map((a, i) => {
    const share = compliance(a), y = 5 + i * (bar + 4);
    return `<text x="0" y="${y + 12}" font-size="11">${esc(a.name)}</text><rect x="70" y="${y}" width="${(share * 220).toFixed(1)}" height="${bar}" fill="${share >= 1 ? "#0b7a3e" : "#e8590c"}"/><text x="${74 + share * 220}" y="${y + 12}" font-size="11">${Math.round(share * 100)}%</text>`;
  }).join("");
  $("plan-chart").innerHTML = `<svg id="city-chart" width="${width}" height="${height}" role="img" aria-label="compliance by city">${rows}</svg>`;
}
async function loadReport() {
  const year = $("plan-year").value, area = $("plan-area").value;
  try {
    const { body } = await api(`/coverage/report?year=${year}`);
    state.report = body;
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
    $("plan-figures").innerHTML = `<h3 data-adcode="${esc(chosen.adcode)}">${esc(chosen.name)} · ${esc(year)}</h3><table><tr><th>${t("metric")}</th><th>${t("value")}</th><th>${t("target")}</th><th>${t("met")}</th></tr>${metricRows(chosen.metrics)}</table>`;
    drawChart(body.areas);
    const gaps = await api(`/coverage/gaps?kind=camera&year=${year}${area ? "&area=" + area : ""}`);
    setData("gaps", gaps.body);
    document.body.dataset.reportShown = chosen.adcode;
  } catch (err) { $("plan-figures").innerHTML = `<span class="bad">${esc(err.message)}</span>`; }
}
$("plan-go").addEventListener("click", loadReport);
$("plan-suggest").addEventListener("click", async () => {
  const year = $("plan-year").value, area = $("plan-area").value;
  try {
    const { body } = await api(`/coverage/suggest?kind=camera&year=${year}${area ? "&area=" + area : ""}`);
    const features = body.features || (body.sites && body.sites.features) || [];
    setData("suggestions", fc(features));
    $("plan-suggestions").textContent = `${t("suggestions")}: ${features.length}`;
  } catch (err) { $("plan-suggestions").innerHTML = `<span class="bad">${esc(err.message)}</span>`; }
});

applyLanguage();
