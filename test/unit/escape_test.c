
/*
 * Copyright (C) routini authors
 */


#include <stdio.h>
#include <string.h>

#include "ngx_routini_escape.h"


static int  passed, failed;


static void
check(const char *what, const char *in, size_t len, int json,
    const char *want)
{
    size_t         n;
    unsigned char  out[256];

    n = json ? ngx_routini_escape_json(out, (const unsigned char *) in, len)
             : ngx_routini_escape_prom_label(out, (const unsigned char *) in,
                                             len);

    if (n == strlen(want) && memcmp(out, want, n) == 0) {
        passed++;
        return;
    }

    failed++;
    printf("FAIL %s: got \"%.*s\", want \"%s\"\n", what, (int) n, out, want);
}


int
main(void)
{
    check("prom plain", "api", 3, 0, "api");
    check("prom quote backslash newline", "a\"b\\c\nd", 7, 0,
          "a\\\"b\\\\c\\nd");
    check("prom utf-8 kept", "caf\xc3\xa9", 5, 0, "caf\xc3\xa9");
    check("prom latin-1 replaced", "caf\xe9", 4, 0, "caf\xef\xbf\xbd");
    check("prom tab kept", "a\tb", 3, 0, "a\tb");
    check("prom empty", "", 0, 0, "");

    check("json plain", "api", 3, 1, "\"api\"");
    check("json quote backslash newline", "a\"b\\c\nd", 7, 1,
          "\"a\\\"b\\\\c\\nd\"");
    check("json controls", "\x01\x1f\x7f", 3, 1,
          "\"\\u0001\\u001f\\u007f\"");
    check("json utf-8 kept", "\xe2\x82\xac", 3, 1, "\"\xe2\x82\xac\"");
    check("json overlong", "\xc0\xaf", 2, 1, "\"\\ufffd\\ufffd\"");
    check("json surrogate", "\xed\xa0\x80", 3, 1,
          "\"\\ufffd\\ufffd\\ufffd\"");
    check("json truncated", "a\xe2\x82", 3, 1, "\"a\\ufffd\\ufffd\"");
    check("json beyond U+10FFFF", "\xf4\x90\x80\x80", 4, 1,
          "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    check("json 4-byte", "\xf0\x9f\x98\x80", 4, 1, "\"\xf0\x9f\x98\x80\"");
    check("json empty", "", 0, 1, "\"\"");

    printf("%d passed, %d failed\n", passed, failed);

    return failed != 0;
}
