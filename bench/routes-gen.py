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
  paths.lua      wrk script cycling over the sample paths of GET routes
                 (paths.lua.first: the first path, for a sanity check)

Route k (distinct pattern k) goes to upstream pool(k % pools) in all three.
nginx and HAProxy do not see methods: they route by path only.
"""
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

    samples = []
    for m, p, s in lines:
        if m == 'GET' and s not in samples:
            samples.append(s)
    with open(outdir + '/paths.lua', 'w') as f:
        f.write('-- %d sample paths of %s\npaths = {\n' % (len(samples), routes))
        for s in samples:
            f.write('  "%s",\n' % s)
        f.write('''}
local i = 0
function setup(thread)
  thread:set("start", math.random(#paths))
end
function init(args)
  i = start or 0
end
function request()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
''')
    with open(outdir + '/paths.lua.first', 'w') as f:
        f.write(samples[0])
    # self-check: each sample's first matching regex is its own pattern
    # (quadratic: only for route sets up to 2,000 patterns)
    bad = 0
    compiled = [(q, re.compile(to_regex(q))) for q in ordered]
    for m, p, s in lines:
        if m != 'GET' or len(ordered) > 2000:
            continue
        for q, rx in compiled:
            if rx.match(s):
                if q != p and pool[q] != pool[p]:
                    bad += 1
                    print('warning: %s matches %s before %s' % (s, q, p),
                          file=sys.stderr)
                break
    print('%d routes, %d distinct patterns, %d sample paths%s'
          % (len(lines), len(distinct), len(samples),
             ', %d mismatches' % bad if bad else ''))


if __name__ == '__main__':
    if sys.argv[1] == 'synth':
        synth(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == 'conf':
        pools = 4
        if '--pools' in sys.argv:
            pools = int(sys.argv[sys.argv.index('--pools') + 1])
        conf(sys.argv[2], sys.argv[3], pools)
