#!/usr/bin/env python3
"""Generate equivalent route configurations for the side-by-side benchmarks.

  routes-gen.py synth N OUT.routes       N parameterised routes, 5 per resource
  routes-gen.py conf ROUTES OUTDIR [--pools 4]

ROUTES is the `METHOD PATTERN SAMPLE_PATH` format of ../shared/data/routes
(patterns in routini syntax).  conf writes into OUTDIR:

  routini.conf   routini_route lines (with methods=), one per line of ROUTES
  regex.conf     nginx `location ~ "^...$"` blocks, one per distinct pattern,
                 ordered so that nginx's first-match order gives routini's
                 precedence (static > param with affix > param > catch-all)
  haproxy.cfg    `use_backend poolK if { path_reg ^...$ }` lines, same order
  haproxy-map.cfg  map-based HAProxy routing: fully static patterns in an
                 exact-match map (haproxy-static.map, `map_str`, looked up
                 first), the others as `regex poolK` lines of
                 haproxy-regex.map in the same order (`map_reg`: the first
                 matching line wins)
  paths.lua      wrk script cycling over the sample paths of GET routes
                 (paths.lua.first: the first path, for a sanity check)
  paths.expect   `SAMPLE_PATH poolK` per GET sample path: where each of
                 them must go (bench_check_haproxy_routes in bench/lib.sh)

Route k (distinct pattern k) goes to upstream pool(k % pools) everywhere.
nginx and HAProxy do not see methods: they route by path only.
"""
import os
import re
import sys


def segments(pattern):
    return pattern.split('/')[1:]


def to_regex(pattern):
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith('{{', i) or pattern.startswith('}}', i):
            out.append(re.escape(c))
            i += 2
        elif c == '{':
            j = pattern.index('}', i)
            name = pattern[i + 1:j]
            out.append('.*' if name.startswith('*') else '[^/]+')
            i = j + 1
        elif c == '\\' and pattern.startswith('\\:', i):
            out.append(':')
            i += 2
        elif c == ':' and (i == 0 or True) and re.match(r':[A-Za-z0-9_]+', pattern[i:]):
            m = re.match(r':[A-Za-z0-9_]+', pattern[i:])
            out.append('[^/]+')
            i += len(m.group(0))
        elif c == '*' and pattern[i - 1] == '/' and '/' not in pattern[i:]:
            out.append('.*')
            i = n
        else:
            out.append(re.escape(c) if c not in '/-_' else c)
            i += 1
    return '^' + ''.join(out) + '$'


def literal(pattern):
    """the one path a pattern without params matches, None if it has any"""
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        if pattern.startswith('{{', i) or pattern.startswith('}}', i):
            out.append(pattern[i])
            i += 2
        elif pattern.startswith('\\:', i):
            out.append(':')
            i += 2
        elif pattern[i] == '{' or pattern[i] == '*' \
                or re.match(r':[A-Za-z0-9_]+', pattern[i:]):
            return None
        else:
            out.append(pattern[i])
            i += 1
    return ''.join(out)


def seg_key(seg):
    """routini precedence of one segment: lower sorts (and matches) first"""
    s = seg.replace('{{', '').replace('}}', '')
    if s.startswith('{*') or s.startswith('*'):
        return (3,)
    m = re.search(r'\{[^}]*\}|:[A-Za-z0-9_]+', s)
    if not m:
        return (0, seg)
    affix = len(s) - len(m.group(0))
    return (1, -affix, seg) if affix else (2,)


def precedence(pattern):
    return [seg_key(s) for s in segments(pattern)]


def synth(n, out):
    with open(out, 'w') as f:
        f.write('# synthetic: %d parameterised routes, 5 per resource\n' % n)
        for i in range(n):
            r, k = divmod(i, 5)
            pat, sample = [
                ('/r%d' % r, '/r%d' % r),
                ('/r%d/{id}' % r, '/r%d/42' % r),
                ('/r%d/{id}/items' % r, '/r%d/42/items' % r),
                ('/r%d/{id}/items/{item}' % r, '/r%d/42/items/7' % r),
                ('/r%d/{id}/tags/{tag}' % r, '/r%d/42/tags/t' % r),
            ][k]
            f.write('GET %s %s\n' % (pat, sample))


def conf(routes, outdir, pools):
    lines = []
    for line in open(routes):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        method, pattern, sample = line.split()
        lines.append((method, pattern, sample))
    distinct = []
    for _, p, _ in lines:
        if p not in distinct:
            distinct.append(p)
    pool = {p: 'pool%d' % (k % pools) for k, p in enumerate(distinct)}

    with open(outdir + '/routini.conf', 'w') as f:
        for m, p, _ in lines:
            f.write('routini_route "%s" %s methods=%s;\n' % (p, pool[p], m))

    ordered = sorted(distinct, key=precedence)
    with open(outdir + '/regex.conf', 'w') as f:
        for p in ordered:
            f.write('location ~ "%s" { proxy_pass http://%s; }\n'
                    % (to_regex(p), pool[p]))
    with open(outdir + '/haproxy.cfg', 'w') as f:
        for p in ordered:
            f.write('    use_backend %s if { path_reg %s }\n'
                    % (pool[p], to_regex(p)))

    # map-based: a static pattern matches one path only, and for any path
    # it matches it comes first in precedence (at the first segment where
    # another matching pattern differs it has a static segment, the other a
    # param or catch-all), so the exact-match map can be looked up first
    static = {}
    for p in ordered:
        lit = literal(p)
        if lit is not None and re.fullmatch(to_regex(p), lit) \
                and not re.search(r'\s', lit) and not lit.startswith('#'):
            static[lit] = p
    is_static = set(static.values())
    dynamic = [p for p in ordered if p not in is_static]
    here = os.path.abspath(outdir)
    with open(outdir + '/haproxy-static.map', 'w') as f:
        f.write('# %d fully static patterns: path pool (map_str)\n'
                % len(static))
        for lit, p in static.items():
            f.write('%s %s\n' % (lit, pool[p]))
    with open(outdir + '/haproxy-regex.map', 'w') as f:
        f.write('# %d patterns in precedence order: regex pool (map_reg,'
                ' first match wins)\n' % len(dynamic))
        for p in dynamic:
            f.write('%s %s\n' % (to_regex(p), pool[p]))
    with open(outdir + '/haproxy-map.cfg', 'w') as f:
        f.write('    http-request set-var(txn.pool) path,map_str(%s/haproxy-static.map)\n'
                % here)
        f.write('    use_backend %[var(txn.pool)] if { var(txn.pool) -m found }\n')
        f.write('    use_backend %%[path,map_reg(%s/haproxy-regex.map,notfound)]\n'
                % here)

    samples = []
    want = {}
    for m, p, s in lines:
        if m == 'GET' and s not in samples:
            samples.append(s)
            want[s] = pool[p]
    with open(outdir + '/paths.expect', 'w') as f:
        for s in samples:
            f.write('%s %s\n' % (s, want[s]))
    with open(outdir + '/paths.lua', 'w') as f:
        f.write('-- %d sample paths of %s\npaths = {\n' % (len(samples), routes))
        for s in samples:
            f.write('  "%s",\n' % s)
        f.write('''}
-- requests are formatted once, in init: the client's cost per request
-- stays small and the same for every proxy
local i, reqs = 0, {}
function setup(thread)
  thread:set("start", math.random(#paths))
end
function init(args)
  i = start or 0
  for k, p in ipairs(paths) do
    reqs[k] = wrk.format(nil, p)
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
''')
    with open(outdir + '/paths.lua.first', 'w') as f:
        f.write(samples[0])
    # self-check: each sample's first matching regex is its own pattern
    # or one with the same pool, in the path_reg order and in the two map
    # files as written (quadratic: only for route sets up to 2,000 patterns)
    def read_map(name):
        with open(outdir + '/' + name) as f:
            return [l.split() for l in f if l.strip() and l[0] != '#']
    exact = dict(read_map('haproxy-static.map'))
    regmap = [(re.compile(k), v) for k, v in read_map('haproxy-regex.map')]
    bad = 0
    compiled = [(q, re.compile(to_regex(q))) for q in ordered]
    for m, p, s in lines:
        if m != 'GET' or len(ordered) > 2000:
            continue
        q = next((q for q, rx in compiled if rx.match(s)), None)
        got = pool[q] if q else 'notfound'
        if got != pool[p]:
            bad += 1
            print('warning: regex order: %s matches %s before %s'
                  % (s, q, p), file=sys.stderr)
        got = exact.get(s) or next((v for rx, v in regmap if rx.match(s)),
                                   'notfound')
        if got != pool[p]:
            bad += 1
            print('warning: haproxy maps: %s goes to %s, not %s (%s)'
                  % (s, got, pool[p], p), file=sys.stderr)
    print('%d routes, %d distinct patterns (%d static), %d sample paths%s'
          % (len(lines), len(distinct), len(static), len(samples),
             ', %d mismatches' % bad if bad else ''))


if __name__ == '__main__':
    if sys.argv[1] == 'synth':
        synth(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == 'conf':
        pools = 4
        if '--pools' in sys.argv:
            pools = int(sys.argv[sys.argv.index('--pools') + 1])
        conf(sys.argv[2], sys.argv[3], pools)
