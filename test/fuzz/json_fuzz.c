
/*
 * Copyright (C) routini authors
 *
 * libFuzzer harness of the JSON reader: any input either parses into a
 * consistent tree within the limits or fails with an error inside the
 * input.  ASan and UBSan catch the rest.
 */


#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_routini_json.h"


#define MAX_NODES  64


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                       i, m;
    char                     *in, *strings;
    size_t                    total;
    ngx_routini_json_t        j;
    ngx_routini_json_node_t   nodes[MAX_NODES];

    /* exact-size copies so ASan sees any read or write past them */

    in = malloc(size ? size : 1);
    strings = malloc(size ? size : 1);
    memcpy(in, data, size);

    memset(&j, 0, sizeof(j));
    j.max_size = 16384;
    j.max_depth = 8;
    j.max_string = 256;
    j.nodes = nodes;
    j.max_nodes = MAX_NODES;
    j.strings = strings;
    j.strings_size = size;

    if (ngx_routini_json_parse(&j, in, size) != 0) {
        assert(j.error != NULL);
        assert(j.error_offset <= size);
        goto done;
    }

    assert(j.nnodes >= 1 && j.nnodes <= MAX_NODES);
    assert(nodes[0].parent == -1);

    total = 0;

    for (i = 0; i < (int) j.nnodes; i++) {
        assert(nodes[i].parent < i);
        assert(nodes[i].next == -1 || nodes[i].next > i);
        assert(nodes[i].next < (int) j.nnodes);
        assert(nodes[i].child == -1 || nodes[i].child == i + 1);

        if (nodes[i].type == NGX_ROUTINI_JSON_STRING) {
            assert(nodes[i].len <= 256);
            assert(nodes[i].str >= strings
                   && nodes[i].str + nodes[i].len <= strings + size);
            total += nodes[i].len;
        }

        if (nodes[i].parent >= 0) {
            assert(nodes[nodes[i].parent].type == NGX_ROUTINI_JSON_OBJECT);

            /* each member is found by its name, and it is that member */
            m = ngx_routini_json_member(&j, nodes[i].parent, nodes[i].key,
                                        nodes[i].key_len);
            assert(m == i);
        }
    }

    assert(total <= size);

done:

    free(in);
    free(strings);

    return 0;
}
