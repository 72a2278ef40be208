#!/usr/bin/env python3
"""Generate equivalent route configurations for the side-by-side benchmarks.

  routes-gen.py synth N OUT.routes       N parameterised routes, 5 per resource
  routes-gen.py conf ROUTES OUTDIR [--pools 4] [--variants K]

ROUTES is the `METHOD PATTERN SAMPLE_PATH` format of test/data/routes
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
                 (paths.lua.first: the first path, for a sanity check);
                 with --variants K, then over K rounds of variants of them
                 in which every param value differs (variant_template):
                 /repos/own42/rep42/events, then /repos/own1001/rep1001/events
                 ... /repos/own{1000+K}/rep{1000+K}/events; paths without
                 params repeat in every round.  The script holds templates
                 and expands them in init(), so it stays small.
  paths.expect   `PATH poolK` per distinct path of the cycle: where each of
                 them must go (bench_check_haproxy_routes in bench/lib.sh)

Route k (distinct pattern k) goes to upstream pool(k % pools) everywhere.
nginx and HAProxy do not see methods: they route by path only.
"""
import os
import re
import sys


def segments(pattern):
    return pattern.split('/')[1:]


def to_regex(pattern, kinds=None):
    """the regex of a pattern; with a list as kinds, every param is a
    capture group and kinds gets 'param' or 'catchall' per group"""
    out = []
    i = 0
    n = len(pattern)

    def param(rx, kind):
        if kinds is None:
            out.append(rx)
        else:
            out.append('(' + rx + ')')
            kinds.append(kind)
    while i < n:
        c = pattern[i]
        if pattern.startswith('{{', i) or pattern.startswith('}}', i):
            out.append(re.escape(c))
            i += 2
        elif c == '{':
            j = pattern.index('}', i)
            name = pattern[i + 1:j]
            if name.startswith('*'):
                param('.*', 'catchall')
            else:
                param('[^/]+', 'param')
            i = j + 1
        elif c == '\\' and pattern.startswith('\\:', i):
            out.append(':')
            i += 2
        elif c == ':' and (i == 0 or True) and re.match(r':[A-Za-z0-9_]+', pattern[i:]):
            m = re.match(r':[A-Za-z0-9_]+', pattern[i:])
            param('[^/]+', 'param')
            i += len(m.group(0))
        elif c == '*' and pattern[i - 1] == '/' and '/' not in pattern[i:]:
            param('.*', 'catchall')
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


VARIANT_BASE = 1000


def variant_template(pattern, sample):
    """sample as a printf template in which the value of every param of
    pattern (each /-separated piece of a catch-all's value) ends in %d
    instead of its digits, before its extension if it has one (a literal %
    is %%): /repos/own42/rep42/events -> /repos/own%d/rep%d/events,
    img-42.png (img-{id}.png) -> img-%d.png; None when pattern has no params"""
    kinds = []
    m = re.match(to_regex(pattern, kinds), sample)
    if not m:
        sys.exit('sample path %s does not match its pattern %s'
                 % (sample, pattern))
    if not kinds:
        return None

    def esc(s):
        return s.replace('%', '%%')

    def vary(v):
        dot = v.find('.', 1)
        stem, ext = (v, '') if dot < 0 else (v[:dot], v[dot:])
        return esc(stem.rstrip('0123456789')) + '%d' + esc(ext)
    out, pos = [], 0
    for g, kind in enumerate(kinds, 1):
        v = m.group(g)
        out.append(esc(sample[pos:m.start(g)]))
        pieces = v.split('/')
        if kind == 'param':
            out.append(vary(v))
        elif any(pieces):
            out.append('/'.join(vary(x) if x else '' for x in pieces))
        else:
            out.append(esc(v) + '%d')
        pos = m.end(g)
    out.append(esc(sample[pos:]))
    return ''.join(out)


def placeholders(template):
    return template.replace('%%', '').count('%d')


def fill(template, n):
    """what the wrk script's string.format(template, n, n, ...) gives"""
    return template % ((n,) * placeholders(template))


def lua_escape(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


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


def conf(routes, outdir, pools, variants=0):
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
        if m == 'GET' and s not in want:
            samples.append((s, p))
            want[s] = pool[p]
    # the request cycle: the sample paths, then (with variants) round
    # j = 1..variants of them, every param value of a sample ending in
    # VARIANT_BASE + j instead; fully static paths repeat in every round,
    # so every GET route keeps its share of the requests
    templates = [variant_template(p, s) if variants else None
                 for s, p in samples]
    cycle = [(s, p) for s, p in samples]
    for j in range(1, variants + 1):
        for (s, p), t in zip(samples, templates):
            cycle.append((fill(t, VARIANT_BASE + j) if t else s, p))
    checked = {}     # distinct paths of the cycle, first seen first
    for s, p in cycle:
        checked.setdefault(s, p)
    with open(outdir + '/paths.expect', 'w') as f:
        for s, p in checked.items():
            f.write('%s %s\n' % (s, pool[p]))
    with open(outdir + '/paths.lua', 'w') as f:
        if variants:
            write_variants_lua(f, routes, samples, templates, variants,
                               len(cycle), len(checked))
        else:
            write_paths_lua(f, routes, [s for s, _ in samples])
    with open(outdir + '/paths.lua.first', 'w') as f:
        f.write(samples[0][0])
    # self-check: every path of the cycle matches its own pattern, and its
    # first matching regex is its own pattern or one with the same pool, in
    # the path_reg order and in the two map files as written (one
    # alternation per order: Python's re takes the first alternative that
    # matches; only for route sets up to 2,000 patterns)
    def read_map(name):
        with open(outdir + '/' + name) as f:
            return [l.split() for l in f if l.strip() and l[0] != '#']

    def first_of(regexes):
        if not regexes:
            return lambda s: None
        rx = re.compile('|'.join('(%s)' % r for r in regexes))
        return lambda s: (lambda m: m.lastindex - 1 if m else None)(rx.match(s))
    exact = dict(read_map('haproxy-static.map'))
    regmap = read_map('haproxy-regex.map')
    bad = 0
    if len(ordered) <= 2000:
        own = {p: re.compile(to_regex(p)) for p in distinct}
        first_reg = first_of([to_regex(q) for q in ordered])
        first_map = first_of([k for k, _ in regmap])
        for s, p in checked.items():
            if not own[p].match(s):
                bad += 1
                print('warning: %s does not match its pattern %s' % (s, p),
                      file=sys.stderr)
            k = first_reg(s)
            q = ordered[k] if k is not None else None
            if (pool[q] if q else 'notfound') != pool[p]:
                bad += 1
                print('warning: regex order: %s matches %s before %s'
                      % (s, q, p), file=sys.stderr)
            k = first_map(s)
            got = exact.get(s) or (regmap[k][1] if k is not None
                                   else 'notfound')
            if got != pool[p]:
                bad += 1
                print('warning: haproxy maps: %s goes to %s, not %s (%s)'
                      % (s, got, pool[p], p), file=sys.stderr)
    print('%d routes, %d distinct patterns (%d static), %d sample paths%s%s'
          % (len(lines), len(distinct), len(static), len(samples),
             ' + %d variants each: %d requests per cycle, %d distinct paths'
             % (variants, len(cycle), len(checked)) if variants else '',
             ', %d mismatches' % bad if bad else ''))
    if bad:
        sys.exit(1)


def write_paths_lua(f, routes, paths):
    f.write('-- %d sample paths of %s\npaths = {\n' % (len(paths), routes))
    for s in paths:
        f.write('  "%s",\n' % lua_escape(s))
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


def write_variants_lua(f, routes, samples, templates, variants, n, distinct):
    nargs = max([placeholders(t) for t in templates if t] or [0])
    f.write('-- %d sample paths of %s + %d variants of each:'
            ' %d requests per cycle, %d distinct paths\n'
            % (len(samples), routes, variants, n, distinct))
    f.write('paths = {\n')
    for s, _ in samples:
        f.write('  "%s",\n' % lua_escape(s))
    f.write('}\n-- the same paths with every param value ending in %d'
            ' (string.format; %%%% is a %%),\n-- false: no params\n'
            'templates = {\n')
    for t in templates:
        f.write('  %s,\n' % ('"%s"' % lua_escape(t) if t else 'false'))
    f.write('}\nlocal variants, base = %d, %d\n' % (variants, VARIANT_BASE))
    f.write('''-- requests are formatted once, in init: the client's cost per request
-- stays small and the same for every proxy.  The cycle is the paths, then
-- round j = 1..variants: the templates with base + j (the paths themselves
-- where a template is false).
local i, reqs = 0, {}
-- thread k starts at (0, 1/2, 1/4, 3/4, 1/8, ...) of the cycle: threads
-- stay far apart, so a path comes back only about a whole cycle later
local threads = 0
function setup(thread)
  local k, at, step = threads, 0, 0.5
  threads = threads + 1
  while k > 0 do
    if k % 2 == 1 then at = at + step end
    k, step = math.floor(k / 2), step / 2
  end
  thread:set("at", at)
end
function init(args)
  for k, p in ipairs(paths) do
    reqs[#reqs + 1] = wrk.format(nil, p)
  end
  for j = 1, variants do
    local v = base + j
    for k, t in ipairs(templates) do
      reqs[#reqs + 1] = wrk.format(nil, t and string.format(t@ARGS@) or paths[k])
    end
  end
  i = math.floor((at or 0) * #reqs)
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
'''.replace('@ARGS@', ', v' * nargs))


if __name__ == '__main__':
    if sys.argv[1] == 'synth':
        synth(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == 'conf':
        pools = 4
        if '--pools' in sys.argv:
            pools = int(sys.argv[sys.argv.index('--pools') + 1])
        variants = 0
        if '--variants' in sys.argv:
            variants = int(sys.argv[sys.argv.index('--variants') + 1])
        conf(sys.argv[2], sys.argv[3], pools, variants)
