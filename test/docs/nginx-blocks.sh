#!/usr/bin/env bash
# Every ```nginx block of README.md and docs/*.md, and every configuration
# in docs/examples/, passes `nginx -t` with the module loaded; every code
# fence of those Markdown files is closed; the context each directive is
# given (README's table, the Context line of each directive's section) is
# the one its ngx_command_t in src/ allows.
#
#     bash test/docs/nginx-blocks.sh     (after make; exits 0 if all pass)
#     make test-docs                     (the same, building first)
#
# A fragment is wrapped in the context its first directive belongs to:
#
#     http, events, load_module, ...            main (a whole configuration)
#     server {, upstream {, map, routini_zone,
#     routini_metrics_buckets, ...              http
#     location, listen, server_name             server
#     routini_balancer, routini_adaptive,
#     routini_health_check, server ADDR, ...    upstream
#     anything else                             location
#
# An HTML comment on the line before the fence (not shown when rendered)
# says what cannot be inferred:
#
#     <!-- context: main|http|server|location|upstream -->
#     <!-- nginx-t: fails "MESSAGE" -->   wrong on purpose: nginx -t must
#                                         fail and print MESSAGE
#
# Upstream names a block uses but does not define (routini_route targets,
# proxy_pass http://NAME) get a stub upstream{}.  The routini load_module
# line of a block is pointed at the built module; blocks using echo
# directives also load TEST_NGINX_ECHO_MODULE.  nginx -t runs in a network
# namespace of its own when unshare(1) allows, so `listen` binds nothing
# another test uses.
#
# Environment: ROUTINI_NGINX (default /usr/sbin/nginx),
# TEST_NGINX_LOAD_MODULES (default build/nginx/objs/ngx_http_routini_module.so;
# empty when the module is linked into nginx), TEST_NGINX_ECHO_MODULE
# (default /usr/lib/nginx/modules/ngx_http_echo_module.so).

cd "$(dirname "$0")/../.." || exit 1

NGINX=${ROUTINI_NGINX:-/usr/sbin/nginx}
MODULE=${TEST_NGINX_LOAD_MODULES-$PWD/build/nginx/objs/ngx_http_routini_module.so}
ECHO_MODULE=${TEST_NGINX_ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}

if [ -n "$MODULE" ] && [ ! -f "$MODULE" ]; then
    echo "1..0 # SKIP $MODULE not built (make)"
    exit 0
fi

dir=$(mktemp -d /tmp/routini-docs.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
mkdir -p "$dir/blocks" "$dir/logs" "$dir/tmp" "$dir/modules"

netns=
if unshare -n true 2>/dev/null; then
    netns="unshare -n"
elif unshare -rn true 2>/dev/null; then
    netns="unshare -rn"
fi

# Split the Markdown files: blocks/N (the block's lines) and index lines
# "block N FILE LINE CONTEXT FAILS" or "fence FILE LINE PROBLEM", the
# fields separated by \037 (read would merge empty fields between tabs).
# A fence closes only on a line of backticks alone, as in CommonMark; a fence line with text inside a block is reported, since
# it does not close the block (the text after it renders as code).
awk -v out="$dir/blocks" -v OFS='\037' '
function flush_markers() { ctx = ""; fails = "" }
FNR == 1 {
    if (open != "") {
        print "fence", open, "code fence never closed"
    }
    open = ""; flush_markers()
}
{
    line = $0
    if (open == "") {
        if (line ~ /^[ \t]*<!-- context: [a-z]+ -->[ \t]*$/) {
            ctx = line
            sub(/^[ \t]*<!-- context: /, "", ctx); sub(/ -->[ \t]*$/, "", ctx)
            next
        }
        if (line ~ /^[ \t]*<!-- nginx-t: fails ".*" -->[ \t]*$/) {
            fails = line
            sub(/^[ \t]*<!-- nginx-t: fails "/, "", fails)
            sub(/" -->[ \t]*$/, "", fails)
            next
        }
        if (line ~ /^[ \t]*```/) {
            open = FILENAME OFS FNR
            nginx = (line ~ /^[ \t]*```nginx[ \t]*$/)
            if (nginx) {
                n++
                body = out "/" n
                printf "" > body
                print "block", n, FILENAME, FNR, ctx, fails
            }
            flush_markers()
            next
        }
        if (line !~ /^[ \t]*$/) {
            flush_markers()
        }
        next
    }
    if (line ~ /^[ \t]*```+[ \t]*$/) {
        if (nginx) {
            close(body)
        }
        open = ""
        next
    }
    if (line ~ /^[ \t]*```/) {
        print "fence", FILENAME, FNR, "text after a fence inside a" \
              " code block: the block goes on"
    }
    if (nginx) {
        print line >> body
    }
}
END {
    if (open != "") {
        print "fence", open, "code fence never closed"
    }
}' README.md docs/*.md > "$dir/index"

# first directive of a block: its first word outside comments
first_word() {
    sed -e 's/#.*//' "$1" | awk 'NF { print $1; exit }'
}

infer_context() {
    local first second
    first=$(first_word "$1")
    second=$(sed -e 's/#.*//' "$1" | awk 'NF { print $2; exit }')
    case $first in
    load_module|http|events|worker_processes|pid|user|error_log|env|stream)
        echo main ;;
    server)
        if [ "$second" = "{" ]; then echo http; else echo upstream; fi ;;
    upstream|map|geo|log_format|routini_zone|routini_metrics_buckets| \
    resolver|limit_req_zone|proxy_cache_path)
        echo http ;;
    location|listen|server_name)
        echo server ;;
    routini_balancer|routini_adaptive|routini_health_check|keepalive| \
    least_conn|hash|random|zone)
        echo upstream ;;
    *)
        echo location ;;
    esac
}

# stub upstreams for the names a block uses without defining them
stubs() {
    local used defined name
    used=$(sed -e 's/#.*//' "$1" | awk '
        $1 == "routini_route" && NF >= 3 { t = $3; gsub(/[";]/, "", t); print t }
        $1 == "proxy_pass" && $2 ~ /^https?:\/\// {
            t = $2; sub(/^https?:\/\//, "", t); sub(/[\/;].*/, "", t); print t
        }' | grep -E '^[A-Za-z_][A-Za-z0-9_.-]*$' | grep -vx routini | sort -u)
    defined=$(sed -e 's/#.*//' "$1" \
              | awk '$1 == "upstream" { print $2 }' | sort -u)
    for name in $used; do
        if ! grep -qx "$name" <<< "$defined"; then
            echo "    upstream $name { server 127.0.0.1:1; }"
        fi
    done
}

module_lines() {
    [ -n "$MODULE" ] && echo "load_module $MODULE;"
    if grep -qE '^[[:space:]]*echo(_[a-z_]+)?[[:space:]]' "$1"; then
        echo "load_module $ECHO_MODULE;"
    fi
}

http_preamble() {
    cat <<CONF
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
CONF
}

# wrap BLOCK CONTEXT > nginx.conf
wrap() {
    local block=$1 ctx=$2
    if [ "$ctx" = main ]; then
        module_lines "$block"
        grep -q '^[[:space:]]*events\b' "$block" || echo "events {}"
        # the block's own routini load_module is replaced by ours; stubs
        # and temp paths go at the top of its http{}
        sed -e '/^[[:space:]]*load_module .*ngx_http_routini_module\.so;/d' \
            "$block" | awk -v pre="$( http_preamble; stubs "$block" )" '
            { print }
            !done && /^[[:space:]]*http[[:space:]]*\{/ { print pre; done = 1 }'
        return
    fi
    module_lines "$block"
    echo "events {}"
    echo "http {"
    http_preamble
    stubs "$block"
    case $ctx in
    http)
        sed 's/^/    /' "$block" ;;
    server)
        echo "    server {"
        sed 's/^/        /' "$block"
        echo "    }" ;;
    location)
        printf '    server {\n        location / {\n'
        sed 's/^/            /' "$block"
        printf '        }\n    }\n' ;;
    upstream)
        echo "    upstream doc_block {"
        sed 's/^/        /' "$block"
        grep -qE '^[[:space:]]*server[[:space:]]' "$block" \
            || echo "        server 127.0.0.1:1;"
        echo "    }" ;;
    esac
    echo "}"
}

nginx_t() {
    # shellcheck disable=SC2086
    $netns "$NGINX" -t -p "$dir/" -c "$1" -e "$dir/logs/error.log" 2>&1
}

failed=0
t=0
ok() { t=$((t + 1)); echo "ok $t - $*"; }
not_ok() { t=$((t + 1)); echo "not ok $t - $*"; failed=1; }

# each directive's contexts, from its ngx_command_t in src/: "NAME ctx ..."
for f in src/*.c; do
    awk 'prev != "" && /_CONF/ {
             c = prev
             if (/NGX_HTTP_MAIN_CONF/) c = c " http"
             if (/NGX_HTTP_SRV_CONF/)  c = c " server"
             if (/NGX_HTTP_LOC_CONF/)  c = c " location"
             if (/NGX_HTTP_UPS_CONF/)  c = c " upstream"
             print c
         }
         { prev = "" }
         /\{ ngx_string\("routini_[a-z_]+"\),?$/ {
             prev = $0; sub(/.*ngx_string\("/, "", prev); sub(/".*/, "", prev)
         }' "$f"
done > "$dir/contexts"

# the contexts the docs give: "FILE:LINE NAME ctx ...", from README's
# directive table and the Context line under each "### routini_..." heading
awk '
function norm(s) {
    sub(/\(.*/, "", s); gsub(/[|:]/, " ", s); sub(/^[ \t]*Context[ \t]*/, "", s)
    gsub(/,/, " ", s); gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
    return s
}
FILENAME == "README.md" && /^\| `routini_[a-z_]+/ {
    line = $0; gsub(/\\\|/, "/", line)     # an escaped | inside a cell
    split(line, cell, "|"); names = cell[2]
    while (match(names, /`routini_[a-z_]+/)) {
        print FILENAME ":" FNR, substr(names, RSTART + 1, RLENGTH - 1), \
              norm(cell[3])
        names = substr(names, RSTART + RLENGTH)
    }
}
FILENAME != "README.md" && /^### routini_[a-z_]+[ \t]*$/ { name = $2; next }
FILENAME != "README.md" && name != "" && /^[ |]*Context/ {
    print FILENAME ":" FNR, name, norm($0); name = ""
}' README.md docs/*.md > "$dir/doc-contexts"

# headings and relative links outside code fences: "h FILE SLUG" with
# GitHub's anchor for the heading, "l FILE LINE TARGET"
awk -v OFS='\037' '
FNR == 1 { fenced = 0 }
/^[ \t]*```/ { fenced = !fenced; next }
fenced { next }
/^#+ / {
    h = tolower($0); sub(/^#+ +/, "", h)
    gsub(/[^a-z0-9_ -]/, "", h); gsub(/ /, "-", h)
    print "h", FILENAME, h
}
{
    rest = $0
    while (match(rest, /\]\([^)]+\)/)) {
        target = substr(rest, RSTART + 2, RLENGTH - 3)
        rest = substr(rest, RSTART + RLENGTH)
        if (target !~ /^[a-z]+:/) {
            print "l", FILENAME, FNR, target
        }
    }
}' README.md docs/*.md > "$dir/links"

examples=$(ls docs/examples/*.conf 2>/dev/null)
nblocks=$(grep -c '^block' "$dir/index")
nfiles=$(printf '%s\n' README.md docs/*.md | wc -l)
nctx=$(wc -l < "$dir/doc-contexts")
echo "1..$((nctx + 2 * nfiles + nblocks + $(echo "$examples" | grep -c .)))"

# links, one line per Markdown file: the file exists, and a heading for
# the #anchor in a Markdown file
for f in README.md docs/*.md; do
    problems=
    while IFS=$'\037' read -r _ _ line target; do
        path=${target%%#*}
        anchor=
        [ "$path" = "$target" ] || anchor=${target#*#}
        if [ -z "$path" ]; then
            path=$f
        else
            path=$(dirname "$f")/$path
        fi
        path=$(realpath -m --relative-to=. "$path")
        if [ ! -e "$path" ]; then
            problems+="    $f:$line: $target: no such file"$'\n'
        elif [ -n "$anchor" ] \
             && ! grep -qxF "h"$'\037'"$path"$'\037'"$anchor" "$dir/links"
        then
            problems+="    $f:$line: $target: no such heading"$'\n'
        fi
    done < <(awk -F '\037' -v f="$f" '$1 == "l" && $2 == f' "$dir/links")
    if [ -z "$problems" ]; then
        ok "$f: links resolve"
    else
        not_ok "$f: links resolve"
        printf '%s' "$problems" | sed 's/^/#/' >&2
    fi
done

# contexts, one line per directive row or section
while read -r where name ctx; do
    src=$(awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); print }' \
          "$dir/contexts")
    if [ -z "$src" ]; then
        not_ok "$where: $name: no such directive in src/"
    elif [ "$(tr ' ' '\n' <<< "$ctx" | sort | xargs)" \
           = "$(tr ' ' '\n' <<< "$src" | sort | xargs)" ]; then
        ok "$where: $name context $ctx"
    else
        not_ok "$where: $name context \"$ctx\", the source says \"$src\""
    fi
done < "$dir/doc-contexts"

# code fences, one line per Markdown file
for f in README.md docs/*.md; do
    problems=$(awk -F '\037' -v f="$f" '$1 == "fence" && $2 == f {
                   print "    " $2 ":" $3 ": " $4 }' "$dir/index")
    if [ -z "$problems" ]; then
        ok "$f: code fences closed"
    else
        not_ok "$f: code fences closed"
        echo "$problems" | sed 's/^/#/' >&2
    fi
done

while IFS=$'\037' read -r kind n file line ctx fails; do
    [ "$kind" = block ] || continue
    block=$dir/blocks/$n
    [ -n "$ctx" ] || ctx=$(infer_context "$block")
    conf=$dir/$n.conf
    wrap "$block" "$ctx" > "$conf"
    name="$file:$line ($ctx)"

    if out=$(nginx_t "$conf"); then
        if [ -z "$fails" ]; then
            ok "$name"
            continue
        fi
        not_ok "$name: nginx -t passed, the doc says it fails with: $fails"
    elif [ -n "$fails" ] && grep -qF -- "$fails" <<< "$out"; then
        ok "$name fails as documented"
        continue
    elif [ -n "$fails" ]; then
        not_ok "$name: nginx -t failed without \"$fails\""
    else
        not_ok "$name"
    fi
    {
        sed 's/^/#   /' <<< "$out"
        echo "# the configuration tested:"
        cat -n "$conf" | sed 's/^/#   /'
    } >&2
done < "$dir/index"

# whole configurations, with their routini load_module relative to the
# prefix, as `make run` starts them
ln -sf "$MODULE" "$dir/modules/ngx_http_routini_module.so"
for f in $examples; do
    conf=$PWD/$f
    if [ -z "$MODULE" ]; then
        conf=$dir/example.conf
        sed '/^[[:space:]]*load_module .*ngx_http_routini_module\.so;/d' \
            "$f" > "$conf"
    fi
    if out=$($netns "$NGINX" -t -p "$dir/" -c "$conf" \
             -e "$dir/logs/error.log" 2>&1); then
        ok "$f"
    else
        not_ok "$f"
        sed 's/^/#   /' <<< "$out" >&2
    fi
done

exit $failed
