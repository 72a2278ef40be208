#!/usr/bin/env bash
# routini_status ?format=json&routes=page against a reference: 2,000 routes
# on three targets, random traffic (some of it failing, some slow), then
# for every sort key, both orders, a few filters and offsets around the
# start, the middle and the end, the page must be the slice of the whole
# document (?format=json) sorted the documented way: by the key, equal keys
# in configuration order (with desc too), names and strings by bytes,
# the filter a case-insensitive substring of name, pattern or target.
#
#     bash test/metrics/status-pages.sh     (after make)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

routes=$(awk -v b="$BACKEND" 'BEGIN {
    for (i = 1; i <= 2000; i++) {
        t = (i % 3 == 0) ? "u1" : (i % 3 == 1) ? "u2" : "127.0.0.1:" b
        printf "        routini_route \"/r%d/{id}\" %s%s;\n", i, t,
               (i % 7 == 0) ? " name=Grp" (i % 5) : ""
    }
}')

write_conf "" "
    routini_metrics_buckets 0.001 0.01 0.1;
    upstream u1 { routini_balancer round_robin; server 127.0.0.1:$BACKEND; }
    upstream u2 { routini_balancer round_robin; server 127.0.0.1:$BACKEND; }" "
    location = /routini/status { routini_status; }
    location /r {
$routes
        proxy_pass http://\$routini_upstream;
    }"

trap 'stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

python3 - "http://127.0.0.1:$PORT" <<'PY'
import json, random, sys, urllib.error, urllib.request

base = sys.argv[1]
random.seed(16)

# traffic: hits on a few hundred routes; /fail answers 502 (5xx)
for _ in range(1500):
    i = random.randint(1, 400)
    path = "/r%d/%s" % (i, "fail" if i % 11 == 0 else "x")
    try:
        urllib.request.urlopen(base + path).read()
    except urllib.error.HTTPError:
        pass

def get(q):
    return json.load(urllib.request.urlopen(base + "/routini/status?format=json" + q))

full = get("")["routes"]
order = {r["name"]: k for k, r in enumerate(full)}

def p99(r):
    if r["hits"] == 0:
        return 0
    need = r["hits"] - r["hits"] // 100
    les = sorted(r["duration"]["buckets"],
                 key=lambda k: float("inf") if k == "+Inf" else float(k))
    for j, le in enumerate(les):
        if r["duration"]["buckets"][le] >= need:
            return j + 1

keys = {
    "name": lambda r: r["name"].encode(),
    "pattern": lambda r: r["pattern"].encode(),
    "target": lambda r: r["target"].encode(),
    "hits": lambda r: r["hits"],
    "2xx": lambda r: r["codes"]["2xx"],
    "4xx": lambda r: r["codes"]["4xx"],
    "5xx": lambda r: r["codes"]["5xx"],
    "mean": lambda r: (round(r["duration"]["sum"] * 1000) * 1000 // r["hits"]
                       if r["hits"] else 0),
    "p99": p99,
}

checks = failed = 0
for sort, key in keys.items():
    for direction in ("asc", "desc"):
        for flt in ("", "r1", "GRP", "u2", "%2Fr7"):
            text = urllib.request.unquote(flt).lower()
            kept = [r for r in full
                    if any(text in s.lower()
                           for s in (r["name"], r["pattern"], r["target"]))]
            # a stable sort: equal keys stay in configuration order
            want = sorted(sorted(kept, key=lambda r: order[r["name"]]),
                          key=key, reverse=direction == "desc")
            n = len(want)
            for offset in sorted({0, 1, n // 2 - 7, n // 2, n - 30, n - 1, n + 3}):
                if offset < 0:
                    continue
                for limit in (1, 50, 500):
                    d = get("&routes=page&sort=%s&order=%s&offset=%d&limit=%d"
                            "&filter=%s" % (sort, direction, offset, limit, flt))
                    got = [r["name"] for r in d["routes"]["items"]]
                    exp = [r["name"] for r in want[offset:offset + limit]]
                    checks += 1
                    if got != exp or d["routes"]["filtered"] != n:
                        failed += 1
                        print("# %s %s filter=%s offset=%d limit=%d: got %s, "
                              "expected %s (filtered %d of %d)"
                              % (sort, direction, flt, offset, limit, got[:3],
                                 exp[:3], d["routes"]["filtered"], n))

print("1..2")
print("%s - %d pages, each the slice of the sorted whole document"
      % ("not ok" if failed else "ok", checks))
hits = sum(r["hits"] for r in full)
total = get("&routes=page&limit=0")["totals"]["hits"]
print("%s - totals.hits %d, the sum of every route's hits %d"
      % ("ok" if total == hits else "not ok", total, hits))
sys.exit(1 if failed or total != hits else 0)
PY
