# routini-convert (tools/convert/): routini's config.json to nginx.conf.
# Built by "make" into build/routini-convert, installed nowhere.  Included
# by the top Makefile; its fuzzer is fuzz-convert in mk/unit.mk.
#
#   make convert        build/routini-convert
#   make fuzz-convert   libFuzzer on the whole conversion (FUZZ_SECONDS)

CONVERT := $(BUILD)/routini-convert

# the conversion without the command: also linked into the fuzzer
convert_SRC = tools/convert/rc_conf.c tools/convert/rc_route.c \
              tools/convert/rc_route_proxy.c tools/convert/rc_json.c \
              src/ngx_routini_json.c
convert_FUZZ_LIBS = -lm

CONVERT_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=c99 -D_DEFAULT_SOURCE

.PHONY: convert

convert: $(CONVERT)

$(CONVERT): tools/convert/rc_main.c $(convert_SRC) tools/convert/rc.h \
            src/ngx_routini_json.h
	@mkdir -p $(@D)
	$(UNIT_CC) $(CONVERT_CFLAGS) -Isrc -Itools/convert -o $@ \
		tools/convert/rc_main.c $(convert_SRC) -lcrypt -lm
