#!/usr/bin/env bash
# The scale figures of `make bench`, on PostgreSQL: a county of BENCH_CASES cases (1,000,000 by default),
# then the dashboard, list and figures endpoints and intake throughput over HTTP.
#
# BENCH_DATABASE_URL names the database (created if missing). It is only ever filled up to BENCH_CASES:
# a second run reuses the cases already there, so the expensive load is paid once.
# Needs a running PostgreSQL server and Debian's `wrk` (apt-get install wrk) for the intake figure.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
CASES=${BENCH_CASES:-1000000}
COUNTY=${BENCH_COUNTY:-610499}
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres:///gongzhi_bench}
export GONGZHI_DEMO=true

case "$DATABASE_URL" in
  postgres*) ;;
  *) echo "BENCH_DATABASE_URL must name a PostgreSQL database" >&2; exit 2 ;;
esac
if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get install -y wrk" >&2
  exit 2
fi

db=${DATABASE_URL##*/}
db=${db%%\?*}
if ! psql -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
  createdb "$db"
fi

$PY manage.py migrate --noinput >/dev/null
have=$($PY manage.py shell --verbosity 0 -c "
from cases.models import Case
print(Case.objects.filter(region__code__startswith='$COUNTY').count())" | tail -n 1)
if [ "$have" -lt "$CASES" ]; then
  echo "== generate_load: $have cases in $COUNTY, adding $((CASES - have))"
  $PY manage.py generate_load --cases $((CASES - have)) --county "$COUNTY"
  psql -d "$db" -qc "VACUUM ANALYZE"
else
  echo "== $have cases in $COUNTY already"
fi

echo "== dashboards, lists and figures"
$PY manage.py bench_dashboards --county "$COUNTY"
echo "== intake throughput over HTTP against a bare one-INSERT endpoint"
$PY manage.py bench_intake --in-place
