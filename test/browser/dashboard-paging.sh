#!/usr/bin/env bash
# routini_status at 10,000 routes in headless Chromium: the page shows one
# page of 50 rows, not 10,000; typing in the filter box, paging and
# clicking a column header change the rows shown; a route name made of
# HTML shows as text; a filter of non-ASCII characters is cut to the 128
# bytes the server takes; the view is kept in the URL's fragment, and a
# bookmarked view past the end of its routes opens on the last page.  A harness page of the same origin drives the
# dashboard in an iframe and writes what it saw into its own DOM, which
# --dump-dom prints.
#
#     bash test/browser/dashboard-paging.sh   (after make; skipped without chromium)

cd "$(dirname "$0")/../.." || exit 1
. test/metrics/lib.sh

need_chromium

mkdir -p "$PREFIX/conf" "$PREFIX/html"

awk 'BEGIN {
    for (i = 1; i <= 10000; i++) printf "routini_route \"/r%d/{id}\" pool;\n", i
}' > "$PREFIX/conf/routes.conf"

# upstreams: 44 and pool, three pages of 20; /reload (a helper of this
# script) reloads nginx with 24 and pool
upstreams() {
    awk -v n="$1" -v b="$BACKEND" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "upstream u%02d { routini_balancer round_robin; server 127.0.0.1:%d; }\n", i, b
    }' > "$PREFIX/conf/$2"
}
upstreams 44 ups.conf
upstreams 24 ups24.conf
RELOADER=$(free_port)

write_conf "" "
    include ups.conf;
    upstream pool {
        routini_balancer round_robin;
        server 127.0.0.1:$BACKEND;
    }" "
    root html;
    location = /routini/status { routini_status; }
    location = /harness.html { }
    location = /reload {
        proxy_pass http://127.0.0.1:$RELOADER;
        proxy_read_timeout 60s;
    }
    location /r {
        include routes.conf;
        routini_route /html pool \"name=<img src=x onerror=document.title='owned'>\";
        proxy_pass http://\$routini_upstream;
    }"

cat > "$PREFIX/html/harness.html" <<'HTML'
<!DOCTYPE html>
<title>harness</title>
<pre id="log"></pre>
<iframe id="f" src="/routini/status" width="1200" height="800"></iframe>
<script>
var log = document.getElementById("log"), f = document.getElementById("f");

function say(k, v) { log.textContent += k + "=[" + v + "]\n"; }
function doc() { return f.contentDocument; }
function text(sel) { var e = doc().querySelector(sel); return e ? e.textContent : ""; }
function rows() { return doc().querySelectorAll("#routes tbody tr"); }
function first() { var r = rows(); return r.length ? r[0].firstChild.textContent : ""; }

/* run check() every 50 ms until it is true, then then(); 15 s at most */
function until(name, check, then) {
    var n = 0;
    (function poll() {
        var ok = false;
        try { ok = check(); } catch (e) { }
        if (ok) { then(); return; }
        if (++n > 300) { say("timeout", name); document.title = "done"; return; }
        setTimeout(poll, 50);
    })();
}

function type(value) {
    var i = doc().getElementById("filter");
    i.value = value;
    i.dispatchEvent(new Event("input"));
}

function click(el) { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); }

function button(label) {
    return Array.prototype.filter.call(doc().querySelectorAll("#route-pager button"),
        function (b) { return b.textContent.indexOf(label) === 0; })[0];
}

function header(sort) { return doc().querySelector('#routes th[data-sort="' + sort + '"]'); }

/* a bookmarked view, past the end of its routes: the last page */
function reopen() {
    f.src = "/routini/status?again#offset=20000&sort=hits&order=desc&filter=r1";
    until("reopened", function () { return doc().location.search === "?again" && rows().length > 0; }, function () {
        say("clamped", text("#route-pager .page"));
        say("hash-filter", doc().getElementById("filter").value);
        say("hash-sort", header("hits").textContent);
        upstreamsPast();
    });
}

function upage() { return text("#upstream-pager .page"); }

/* on the last page of upstreams, a reload leaves fewer: the last page */
function upstreamsPast() {
    until("upstream pager", function () { return upage() !== ""; }, function () {
        say("upstreams", upage());
        var last = doc().querySelectorAll("#upstream-pager button");
        click(last[last.length - 1]);
        until("last upstreams", function () { return upage().indexOf("41") === 0; }, function () {
            say("upstreams-last", upage());
            fetch("/reload").then(function () {
                until("after reload", function () { return / of 25$/.test(upage()); }, function () {
                    say("upstreams-reloaded", upage());
                    document.title = "done";
                });
            }, function (e) { say("reload-error", e); document.title = "done"; });
        });
    });
}

until("first page", function () { return rows().length > 0; }, function () {
    say("rows", rows().length);
    say("count", text("#route-count"));
    say("pager", text("#route-pager .page"));
    say("first", first());
    type("R999");
    until("filter", function () { return rows().length === 11; }, function () {
        say("filtered", text("#route-count"));
        say("filtered-first", first());
        say("filtered-pager-hidden", doc().getElementById("route-pager").hidden);
        type("");
        until("unfiltered", function () { return rows().length === 50; }, function () {
            click(button("next"));
            until("next page", function () { return text("#route-pager .page").indexOf("51") === 0; }, function () {
                say("page2", text("#route-pager .page"));
                say("page2-first", first());
                click(header("hits"));
                until("sorted", function () { return header("hits").className.indexOf("sorted") >= 0 && text("#route-pager .page").indexOf("1\u2013") === 0; }, function () {
                    say("sorted-first", first());
                    say("sorted-header", header("hits").textContent);
                    click(header("hits"));
                    until("reversed", function () { return header("hits").getAttribute("aria-sort") === "ascending"; }, function () {
                        say("reversed-header", header("hits").textContent);
                        type("<img");
                        until("html name", function () { return rows().length === 1; }, function () {
                            say("html-cell", first());
                            say("img-elements", doc().querySelectorAll("#routes img").length);
                            say("frame-title", doc().title);
                            say("hash", f.contentWindow.location.hash);
                            /* 100 two-byte characters: the page sends the
                             * 64 that fit the server's 128 bytes */
                            type(new Array(101).join("\u00e9"));
                            until("wide filter", function () { return text("#route-count").indexOf("0 of") === 0 || doc().getElementById("updated").className === "error"; }, function () {
                                say("wide-count", text("#route-count"));
                                say("wide-box", Array.from(doc().getElementById("filter").value).length);
                                say("wide-updated", doc().getElementById("updated").className);
                                reopen();
                            });
                        });
                    });
                });
            });
        });
    });
});
</script>
HTML

# the workers may run as another user than mktemp's owner
chmod 755 "$PREFIX" "$PREFIX/html"
chmod 644 "$PREFIX/html/harness.html"

# GET /reload: nginx reloaded with 25 upstreams, answered once it serves
# them
RELOAD_CMD="$NGINX -p $PREFIX/ -c conf/nginx.conf -s reload" \
STATUS_URL="http://127.0.0.1:$PORT/routini/status?format=json&routes=page&limit=1&upstream_limit=1" \
UPS="cp $PREFIX/conf/ups24.conf $PREFIX/conf/ups.conf" python3 -c '
import http.server, json, os, subprocess, sys, time, urllib.request
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        subprocess.run(["bash", "-c", os.environ["UPS"]], check=True)
        subprocess.run(os.environ["RELOAD_CMD"].split(), check=True)
        for _ in range(300):
            try:
                d = json.load(urllib.request.urlopen(os.environ["STATUS_URL"]))
                if d["upstreams"]["total"] == 25: break
            except Exception: pass
            time.sleep(0.1)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$RELOADER" &
reloader=$!

trap 'kill $reloader 2>/dev/null; stop_nginx; [ -n "${KEEP:-}" ] || rm -rf "$PREFIX"' EXIT
start_nginx || exit 1

base=http://127.0.0.1:$PORT

for _ in 1 2 3; do curl -s -o /dev/null "$base/r7777/x"; done
curl -s -o /dev/null "$base/r12/x"

profile=$(mktemp -d)
"$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$profile" \
    --virtual-time-budget=60000 --dump-dom "$base/harness.html" \
    > "$PREFIX/dom.html" 2>/dev/null
rm -rf "$profile"

echo "1..25"

check() {
    if grep -Fq -- "$2" "$PREFIX/dom.html"; then ok "$1"; else not_ok "$1"; fi
}

check "finished" "<title>done</title>"
check "one page of 50 rows" "rows=[50]"
check "the count of all routes" "count=[10001 routes]"
check "the pager" "pager=[1–50 of 10001]"
check "first row by name" "first=[/r1/{id}]"
check "filter box: 11 routes match r999" "filtered=[11 of 10001 routes match]"
check "filtered rows by name" "filtered-first=[/r999/{id}]"
check "no pager when one page shows all" "filtered-pager-hidden=[true]"
check "next page" "page2=[51–100 of 10001]"
check "the 51st name first" "page2-first=[/r1042/{id}]"
check "sorted by hits, largest first" "sorted-first=[/r7777/{id}]"
check "sort indicator" "sorted-header=[hits ▼]"
check "a second click reverses" "reversed-header=[hits ▲]"
check "an HTML name shows as text" "html-cell=[&lt;img src=x onerror=document.title='owned'&gt;]"
check "and makes no element" "img-elements=[0]"
check "the view in the URL's fragment" "hash=[#offset=0&amp;sort=hits&amp;order=asc&amp;filter=%3Cimg]"
check "a filter of 200 UTF-8 bytes: cut to the server's 128, no error" "wide-count=[0 of 10001 routes match]"
check "the box keeps the 64 characters sent" "wide-box=[64]"
check "no error shown" "wide-updated=[]"
check "a bookmarked view past the end: the last page" "clamped=[1101–1112 of 1112]"
check "the bookmarked filter in the box" "hash-filter=[r1]"
check "the bookmarked sort" "hash-sort=[hits ▼]"
check "upstreams: 20 a page" "upstreams=[1–20 of 45]"
check "their last page" "upstreams-last=[41–45 of 45]"
check "a reload to 25 upstreams: their last page, not past the end" "upstreams-reloaded=[21–25 of 25]"

[ $failed = 0 ] || { mkdir -p build/artefacts; cp "$PREFIX/dom.html" build/artefacts/dashboard-paging-dom.html; }

exit $failed
