
/*
 * Copyright (C) routini authors
 *
 * libFuzzer harness of routini-convert's conversion (tools/convert/): any
 * input is either refused with an error in the log, or converted into
 * text nginx's lexer reads as balanced blocks: every quoted string closed
 * on its line (values are escaped, never written raw), braces outside
 * quotes balanced.  ASan and UBSan catch the rest, LeakSanitizer leaks.
 */


#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "rc.h"


static void
check_nginx_text(const char *s, size_t len)
{
    int     depth, quoted;
    size_t  i;

    depth = 0;
    quoted = 0;

    for (i = 0; i < len; i++) {
        if (quoted) {
            assert(s[i] != '\n');

            if (s[i] == '\\') {
                i++;
                assert(i < len);

            } else if (s[i] == '"') {
                quoted = 0;
            }

            continue;
        }

        switch (s[i]) {
        case '"':
            quoted = 1;
            break;
        case '{':
            depth++;
            break;
        case '}':
            depth--;
            assert(depth >= 0);
            break;
        case '#':
            while (i < len && s[i] != '\n') {
                i++;
            }
            break;
        }
    }

    assert(!quoted);
    assert(depth == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int        rc;
    rc_t       c;
    rc_opts_t  opts;

    memset(&opts, 0, sizeof(rc_opts_t));
    opts.modules[0] = "/m.so";
    opts.nmodules = 1;
    opts.nginx_version = (size & 1) ? 1025001 : 1022001;
    opts.include = (size & 2) ? 1 : 0;
    opts.htpasswd_dir = "/h";
    opts.cache_dir = "/c";

    memset(&c, 0, sizeof(rc_t));
    c.opts = &opts;

    rc = rc_convert(&c, (const char *) data, size);

    if (rc != 0) {
        assert(c.error);
        assert(c.log.len > 0 && strstr(c.log.data, ": error: ") != NULL);

    } else {
        assert(!c.error && c.out.len > 0);
        check_nginx_text(c.out.data, c.out.len);
    }

    rc_free(&c);

    return 0;
}
