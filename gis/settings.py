"""Settings read once from the environment and an optional TOML file; never at import time."""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The roles of the project's own cluster (gis/cluster.py creates them; migration 015 grants).
OWNER_ROLE = "daoan"  # superuser: migrations, extensions, restore, test databases
APP_ROLE = "daoan_app"  # the server: reads and writes the data tables, nothing else
REPLICATOR_ROLE = "daoan_replicator"  # streaming replicas (REPLICATION only)

# Hunan's extent (lon/lat) with a margin of about 0.5 degree: the default service area.
HUNAN_SERVICE_AREA = (108.3, 24.1, 114.8, 30.6)


# Token roles. Every role reads internal layers (gis/access.py); operators also declare incidents and
# post observations, admins also import; planners and viewers only read.
READING_ROLES = ("viewer", "planner", "operator", "admin")
ROLES = READING_ROLES


@dataclass(frozen=True)
class Token:
    """An API token: its secret, the name recorded on writes and reads, and its role."""

    secret: str
    name: str
    role: str  # one of ROLES


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Daoan deployment."""

    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str | None = None
    app_database_url: str | None = None  # the server's own (less privileged) URL; default database_url
    pg_port: int = 55432
    replica_port: int | None = None  # the standby of `daoan db replica` (gis/standby.py); None: pg_port + 1
    # Read replicas (gis/replicas.py): reads go to the first healthy one whose replay lags at most
    # replica_max_lag_s; a request carrying a write's WAL position waits at most read_your_writes_wait_s
    # for a replica to replay it, then reads the primary; an unreachable replica is skipped for replica_retry_s.
    read_database_urls: tuple[str, ...] = ()
    replica_max_lag_s: float = 5.0
    read_your_writes_wait_s: float = 0.5
    replica_retry_s: float = 2.0
    port: int = 8080
    api_token: str | None = None
    tokens: tuple[Token, ...] = ()
    service_area: tuple[float, float, float, float] = HUNAN_SERVICE_AREA
    on_road_tolerance_m: float = 50.0
    roadside_tolerance_m: float = 300.0
    items_default_limit: int = 100
    items_max_limit: int = 10_000
    upload_max_bytes: int = 64 * 1024 * 1024  # any request body, Content-Length or chunked
    pool_size: int = 4
    tile_cache_bytes: int = 128 * 1024 * 1024  # per worker process; 0 turns the tile cache off
    tile_cache_dir: Path | None = None  # optional on-disk tile cache
    tile_version_ttl_s: float = 0.1  # longest a worker trusts its copy of the layer versions
    # Routing: snapping radius, how long a weather reading stays valid, the distance around a fog
    # zone within which a station's visibility counts, and how far upstream diversion plans look.
    routing_snap_radius_m: float = 500.0
    observation_valid_min: float = 30.0
    fog_station_radius_m: float = 5000.0
    diversion_search_km: float = 100.0
    # What one request may cost (issue 11, "cheap requests that cost minutes"): bigger asks get 413/422
    # naming the setting. A diversion plan for a closure of at most this many directed road arcs, drawn
    # (POST /diversion) over at most this many km²; isochrones of at most this many bands and minutes;
    # site suggestions solved for at most this long over at most this many candidate sites.
    diversion_max_closed_arcs: int = 5_000
    diversion_max_area_km2: float = 100.0
    isochrone_max_bands: int = 5
    isochrone_max_minutes: float = 60.0
    suggest_time_limit_s: float = 10.0
    suggest_max_candidates: int = 20_000
    # Answers that depend only on their parameters and data versions (diversion plans, isochrones, site
    # suggestions), kept per worker process: at most this many, at most this many MB in all.
    answer_cache_entries: int = 256
    answer_cache_mb: float = 64.0
    # Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-* headers are honoured; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # The unprivileged account `daoan serve` becomes when started as root (gis/privileges.py).
    service_user: str = "daoan-web"
    tianditu_key: str | None = None  # the deployment's 天地图 key: the web map then offers its WMTS basemap
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def socket_dir(self) -> Path:
        """Directory of the project cluster's unix socket."""
        return self.var_dir / "run"

    @property
    def pg_data(self) -> Path:
        """Data directory of the project's own PostgreSQL cluster."""
        return self.var_dir / "pgdata"

    @property
    def passfile(self) -> Path:
        """The libpq password file (mode 0600) of the project cluster's roles."""
        return self.var_dir / "secrets" / "pgpass"

    def cluster_url(self, role: str, dbname: str = "daoan") -> str:
        """SQLAlchemy URL of `role` on the project's own cluster: the socket, the password from passfile."""
        return (
            f"postgresql+psycopg2://{role}@/{dbname}"
            f"?host={self.socket_dir}&port={self.pg_port}&passfile={self.passfile}"
        )

    def url(self, dbname: str = "daoan") -> str:
        """SQLAlchemy URL of the database as its owner: DAOAN_DATABASE_URL or the project's own cluster."""
        if self.database_url:
            return self.database_url
        return self.cluster_url(OWNER_ROLE, dbname)

    def app_url(self) -> str:
        """The URL the server connects with: DAOAN_APP_DATABASE_URL, else DAOAN_DATABASE_URL as given,
        else the application role (no superuser, data tables only) on the project's own cluster."""
        if self.app_database_url:
            return self.app_database_url
        if self.database_url:
            return self.database_url
        return self.cluster_url(APP_ROLE)

    def libpq_url(self, dbname: str = "daoan") -> str:
        """The same database as a libpq URI (psql, pg_dump)."""
        return self.url(dbname).replace("postgresql+psycopg2://", "postgresql://", 1)

    def all_tokens(self) -> tuple[Token, ...]:
        """The admin token from DAOAN_API_TOKEN (or var/api_token) plus the file's tokens."""
        admin = self.api_token
        if admin is None:
            path = self.var_dir / "api_token"
            if path.exists():
                admin = path.read_text().strip() or None
        extra = (Token(admin, "admin", "admin"),) if admin else ()
        return extra + self.tokens


def _float_tuple(text: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError(f"DAOAN_SERVICE_AREA must be minlon,minlat,maxlon,maxlat; got {text!r}")
    return (parts[0], parts[1], parts[2], parts[3])


def database_url(url: str, name: str = "DAOAN_DATABASE_URL") -> str:
    """DAOAN_DATABASE_URL as SQLAlchemy takes it: a libpq URI (postgresql:// or postgres://) gets the
    psycopg2 driver named; any other scheme or driver is refused with the forms that work."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return f"postgresql+psycopg2://{rest}"
    raise ValueError(
        f"{name} {scheme + sep if sep else url!r}… is not a PostgreSQL URL Daoan can use; "
        "write postgresql://user:password@host:port/dbname (libpq form; ?host=/socket/dir for a socket)"
    )


# Numeric settings read from DAOAN_<KEY> or the settings file.
FLOAT_KEYS = (
    "on_road_tolerance_m",
    "roadside_tolerance_m",
    "routing_snap_radius_m",
    "observation_valid_min",
    "fog_station_radius_m",
    "diversion_search_km",
    "diversion_max_area_km2",
    "isochrone_max_minutes",
    "suggest_time_limit_s",
    "answer_cache_mb",
    "replica_max_lag_s",
    "read_your_writes_wait_s",
    "replica_retry_s",
)
INT_KEYS = ("diversion_max_closed_arcs", "isochrone_max_bands", "suggest_max_candidates", "answer_cache_entries")
# Keys a settings file may hold: a typo must not fall back silently to a default.
FILE_KEYS = ("service_area", "service_user", "tianditu_key", "tokens", "trusted_proxies", *FLOAT_KEYS, *INT_KEYS)


def _check_keys(data: dict[str, Any], source: str) -> None:
    for key in data:
        if key not in FILE_KEYS:
            close = difflib.get_close_matches(key, FILE_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(FILE_KEYS)}"
            raise ValueError(f"{source}: unknown setting {key!r}; {hint}")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from environment variables and the TOML file named by DAOAN_SETTINGS."""
    env = dict(os.environ if env is None else env)
    data: dict[str, Any] = {}
    settings_file = env.get("DAOAN_SETTINGS")
    if settings_file:
        with open(settings_file, "rb") as fh:
            data = tomllib.load(fh)
        _check_keys(data, settings_file)
    tokens = tuple(
        Token(str(t["token"]), str(t.get("name", t.get("role", "operator"))), str(t.get("role", "operator")))
        for t in data.get("tokens", [])
    )
    for t in tokens:
        if t.role not in ROLES:
            raise ValueError(f"token {t.name!r} has role {t.role!r}; use one of {', '.join(map(repr, ROLES))}")
    kwargs: dict[str, object] = {"tokens": tokens}
    if env.get("DAOAN_VAR"):
        kwargs["var_dir"] = Path(env["DAOAN_VAR"]).resolve()
    if env.get("DAOAN_DATABASE_URL"):
        kwargs["database_url"] = database_url(env["DAOAN_DATABASE_URL"])
    if env.get("DAOAN_APP_DATABASE_URL"):
        kwargs["app_database_url"] = database_url(env["DAOAN_APP_DATABASE_URL"], "DAOAN_APP_DATABASE_URL")
    if env.get("DAOAN_READ_DATABASE_URL"):
        urls = [u.strip() for u in env["DAOAN_READ_DATABASE_URL"].split(",") if u.strip()]
        kwargs["read_database_urls"] = tuple(database_url(u, "DAOAN_READ_DATABASE_URL") for u in urls)
    if env.get("DAOAN_REPLICA_PORT"):
        kwargs["replica_port"] = int(env["DAOAN_REPLICA_PORT"])
    if env.get("DAOAN_PG_PORT"):
        kwargs["pg_port"] = int(env["DAOAN_PG_PORT"])
    if env.get("DAOAN_PORT"):
        kwargs["port"] = int(env["DAOAN_PORT"])
    if env.get("DAOAN_API_TOKEN"):
        kwargs["api_token"] = env["DAOAN_API_TOKEN"]
    area = env.get("DAOAN_SERVICE_AREA") or data.get("service_area")
    if area:
        kwargs["service_area"] = _float_tuple(area if isinstance(area, str) else ",".join(map(str, area)))
    for key in FLOAT_KEYS:
        value = env.get("DAOAN_" + key.upper()) or data.get(key)
        if value is not None:
            kwargs[key] = float(value)  # type: ignore[arg-type]
    for key in INT_KEYS:
        value = env.get("DAOAN_" + key.upper()) or data.get(key)
        if value is not None:
            kwargs[key] = int(value)  # type: ignore[call-overload]
    proxies = env.get("DAOAN_TRUSTED_PROXIES") or data.get("trusted_proxies")
    if proxies:
        items = proxies.split(",") if isinstance(proxies, str) else list(proxies)
        kwargs["trusted_proxies"] = tuple(str(p).strip() for p in items if str(p).strip())
    service_user = env.get("DAOAN_SERVICE_USER") or data.get("service_user")
    if service_user:
        kwargs["service_user"] = str(service_user)
    tianditu = env.get("DAOAN_TIANDITU_KEY") or data.get("tianditu_key")
    if tianditu:
        kwargs["tianditu_key"] = str(tianditu).strip()
    if env.get("DAOAN_UPLOAD_MAX_MB"):
        kwargs["upload_max_bytes"] = int(float(env["DAOAN_UPLOAD_MAX_MB"]) * 1024 * 1024)
    if env.get("DAOAN_POOL_SIZE"):
        kwargs["pool_size"] = int(env["DAOAN_POOL_SIZE"])
    if env.get("DAOAN_TILE_CACHE_MB"):
        kwargs["tile_cache_bytes"] = int(float(env["DAOAN_TILE_CACHE_MB"]) * 1024 * 1024)
    if env.get("DAOAN_TILE_CACHE_DIR"):
        kwargs["tile_cache_dir"] = Path(env["DAOAN_TILE_CACHE_DIR"]).resolve()
    if env.get("DAOAN_TILE_VERSION_TTL_MS"):
        kwargs["tile_version_ttl_s"] = float(env["DAOAN_TILE_VERSION_TTL_MS"]) / 1000
    return Settings(**kwargs)  # type: ignore[arg-type]
