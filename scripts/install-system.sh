#!/usr/bin/env bash
# Install PostgreSQL 15, PostGIS 3, pgRouting, Chromium, Node.js, wrk and nginx from Debian packages when missing.
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -f /usr/share/postgresql/15/extension/pgrouting.control ] || need+=(postgresql-15-pgrouting)
command -v pg_dump >/dev/null || need+=(postgresql-client-15)
# The web map's browser tests, its npm packages and CJK labels.
command -v chromium >/dev/null || need+=(chromium)
command -v npm >/dev/null || need+=(nodejs npm)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
command -v runuser >/dev/null || need+=(util-linux)
# The HTTP benchmarks' load generator (bench/tiles_bench.py).
command -v wrk >/dev/null || need+=(wrk)
# The reverse-proxy test (tests/test_nginx.py runs docs/nginx/daoan.conf in its own nginx process).
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# Debian's Python 3.11 with venv: the server's service user can read it (a Python under /root it cannot).
[ -x /usr/bin/python3.11 ] || need+=(python3.11)
/usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null || need+=(python3.11-venv)
[ -f /usr/include/python3.11/Python.h ] || need+=(python3.11-dev)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing ${need[*]} from Debian packages"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
