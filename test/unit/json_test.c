
/*
 * Copyright (C) routini authors
 *
 * Unit tests of the JSON reader (src/ngx_routini_json.c).
 */


#include <stdio.h>
#include <string.h>

#include "ngx_routini_json.h"


static int  passed, failed;


static unsigned  arrays;    /* accept arrays, as routini-convert does */


static int
parse(ngx_routini_json_t *j, const char *in, size_t len)
{
    static ngx_routini_json_node_t  nodes[16];
    static char                     strings[4096];

    memset(j, 0, sizeof(ngx_routini_json_t));

    j->max_size = 1024;
    j->max_depth = 4;
    j->max_string = 32;
    j->nodes = nodes;
    j->max_nodes = 16;
    j->strings = strings;
    j->strings_size = sizeof(strings);
    j->arrays = arrays;

    return ngx_routini_json_parse(j, in, len);
}


static void
check(int cond, const char *what, const char *in)
{
    if (cond) {
        passed++;

    } else {
        failed++;
        printf("FAIL: %s: %s\n", what, in);
    }
}


static void
accept(const char *in)
{
    ngx_routini_json_t  j;

    check(parse(&j, in, strlen(in)) == 0, "should accept", in);
}


static void
reject(const char *in, const char *error)
{
    ngx_routini_json_t  j;

    check(parse(&j, in, strlen(in)) == -1
          && j.error && strcmp(j.error, error) == 0,
          "should reject", in);

    if (j.error && strcmp(j.error, error) != 0) {
        printf("      error \"%s\", expected \"%s\"\n", j.error, error);
    }
}


int
main(void)
{
    int                 m, s;
    char                big[2048];
    ngx_routini_json_t  j;

    accept("{}");
    accept(" \t\r\n{ } \n");
    accept("{\"strategy\":\"round_robin\"}");
    accept("{\"a\":1,\"b\":-0.5e+3,\"c\":true,\"d\":false,\"e\":null}");
    accept("{\"a\":{\"b\":{\"c\":{}}}}");
    accept("\"top-level string\"");
    accept("0");
    accept("-0");
    accept("1E9");
    accept("{\"u\":\"caf\\u00e9 \\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80\"}");
    accept("{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}");

    reject("", "unexpected end of data");
    reject("{", "expected a member name");
    reject("{\"a\"}", "expected \":\"");
    reject("{\"a\":}", "unexpected character");
    reject("{\"a\":1,}", "expected a member name");
    reject("{\"a\":1 \"b\":2}", "expected \",\" or \"}\"");
    reject("{\"a\":1}x", "unexpected data after the value");
    reject("{\"a\":1}{}", "unexpected data after the value");
    reject("{\"a\":[1]}", "arrays are not accepted");
    reject("[]", "arrays are not accepted");
    reject("{\"a\":1,\"a\":2}", "duplicate member name");
    reject("{'a':1}", "expected a member name");
    reject("{a:1}", "expected a member name");
    reject("{\"a\":tru}", "unexpected character");
    reject("{\"a\":nul}", "unexpected character");
    reject("{\"a\":01}", "invalid number");
    reject("{\"a\":1.}", "invalid number");
    reject("{\"a\":.5}", "unexpected character");
    reject("{\"a\":-}", "invalid number");
    reject("{\"a\":1e}", "invalid number");
    reject("{\"a\":+1}", "unexpected character");
    reject("{\"a\":NaN}", "unexpected character");
    reject("1234567890123456789012345678901234567890123456789012345678901234"
           "5", "number too long");
    reject("{\"a\":\"x\ny\"}", "control character in string");
    reject("{\"a\":\"\\x\"}", "invalid escape");
    reject("{\"a\":\"\\u12\"}", "invalid \\u escape");
    reject("{\"a\":\"\\u0000\"}", "\\u0000 is not accepted");
    reject("{\"a\":\"\\ud83d\"}", "lone high surrogate");
    reject("{\"a\":\"\\ud83d\\u0041\"}", "lone high surrogate");
    reject("{\"a\":\"\\ude00\"}", "lone low surrogate");
    reject("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8");
    reject("{\"a\":\"\xe0\x80\xaf\"}", "invalid UTF-8");
    reject("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8");
    reject("{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8");
    reject("{\"a\":\"\xc3\"}", "invalid UTF-8");
    reject("{\"a\":\"\xff\"}", "invalid UTF-8");
    reject("{\"a\":\"unterminated}", "unterminated string");
    reject("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", "objects nested too deep");
    reject("{\"a\":\"0123456789012345678901234567890123\"}",
           "string too long");
    reject("{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,"
           "\"i\":1,\"j\":1,\"k\":1,\"l\":1,\"m\":1,\"n\":1,\"o\":1,\"p\":1}",
           "too many values");

    memset(big, ' ', sizeof(big));
    check(parse(&j, big, sizeof(big)) == -1
          && strcmp(j.error, "body too large") == 0, "size limit", "big");

    /* a string of exactly max_string bytes is accepted */
    accept("{\"a\":\"01234567890123456789012345678901\"}");

    /* a NUL byte in the input is a control character */
    check(parse(&j, "{\"a\":\"\0\"}", 8) == -1, "NUL in string", "\\0");

    /* the tree: members by name, decoded strings, numbers */
    const char *doc = "{\"state\":\"dr\\u0061in\",\"n\":{\"x\":2.5}}";

    check(parse(&j, doc, strlen(doc)) == 0, "parse", doc);

    s = ngx_routini_json_member(&j, 0, "state", 5);
    check(s > 0 && j.nodes[s].type == NGX_ROUTINI_JSON_STRING
          && j.nodes[s].len == 5 && memcmp(j.nodes[s].str, "drain", 5) == 0,
          "member state", doc);

    m = ngx_routini_json_member(&j, 0, "n", 1);
    check(m > 0 && j.nodes[m].type == NGX_ROUTINI_JSON_OBJECT, "member n",
          doc);

    m = ngx_routini_json_member(&j, m, "x", 1);
    check(m > 0 && j.nodes[m].type == NGX_ROUTINI_JSON_NUMBER
          && j.nodes[m].number == 2.5, "member n.x", doc);

    check(ngx_routini_json_member(&j, 0, "missing", 7) == -1, "missing",
          doc);
    check(ngx_routini_json_member(&j, s, "x", 1) == -1, "not an object",
          doc);

    /* arrays, accepted on request: elements are keyless children */

    arrays = 1;

    accept("[]");
    accept("[ 1 , \"a\" ,{\"b\":[]},[null] ]");
    reject("[1,]", "unexpected character");
    reject("[1 2]", "expected \",\" or \"]\"");
    reject("[1", "unexpected end of data");
    reject("[[[[[]]]]]", "arrays nested too deep");
    reject("{\"a\":[{\"b\":[{}]}]}", "objects nested too deep");

    doc = "{\"r\":[{\"p\":\"/a\"},7]}";

    check(parse(&j, doc, strlen(doc)) == 0, "parse", doc);

    m = ngx_routini_json_member(&j, 0, "r", 1);
    check(m > 0 && j.nodes[m].type == NGX_ROUTINI_JSON_ARRAY, "array r", doc);

    s = j.nodes[m].child;
    check(s > 0 && j.nodes[s].key == NULL
          && j.nodes[s].type == NGX_ROUTINI_JSON_OBJECT
          && ngx_routini_json_member(&j, s, "p", 1) > 0, "element 0", doc);

    s = j.nodes[s].next;
    check(s > 0 && j.nodes[s].number == 7 && j.nodes[s].next == -1
          && j.nodes[s].parent == m, "element 1", doc);
    check(ngx_routini_json_member(&j, m, "p", 1) == -1, "array member",
          doc);

    arrays = 0;

    printf("%d passed, %d failed\n", passed, failed);

    return failed != 0;
}
