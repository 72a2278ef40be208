
/*
 * Copyright (C) routini authors
 *
 * routini-convert: the command.  Reads routini's config.json (a path or
 * stdin), writes nginx.conf (or an http-level include file) and the
 * htpasswd files of basic_auth, with SHA-512 crypt(3) hashes, which
 * nginx's auth_basic_user_file reads through the system's crypt().
 */


#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc.h"


static const char  rc_usage[] =
"usage: routini-convert [OPTIONS] [CONFIG.json]\n"
"\n"
"Converts routini's config.json (CONFIG.json, or stdin when absent or \"-\")\n"
"into an nginx configuration that loads the routini module and does what\n"
"routini did.  Each field that cannot be converted exactly is reported on\n"
"stderr, with its JSON path.  Exit status: 0 converted, 1 refused (invalid\n"
"JSON, or a configuration routini refuses), 2 usage or file error.\n"
"\n"
"  -o, --output FILE     write to FILE instead of stdout\n"
"  --include             write an http-level include file (no load_module,\n"
"                        events{} or http{}) instead of a whole nginx.conf\n"
"  --module PATH         the module to load (repeatable; default\n"
"                        " RC_DEBIAN_MODULE ")\n"
"  --no-module           no load_module line (module linked into nginx)\n"
"  --nginx-version X.Y.Z the nginx the output is for: before 1.25.1 HTTP/2\n"
"                        is \"listen ... http2\", from then \"http2 on;\"\n"
"                        (default: the version of \"nginx -v\", else 1.22.1)\n"
"  --htpasswd-dir DIR    where the basic_auth password files go (default:\n"
"                        the output file's directory, else the current one)\n"
"  --cache-dir DIR       where route caches go (default\n"
"                        /var/cache/nginx/routini)\n"
"  -h, --help            this text\n"
"\n"
"See docs/routini-convert.md and docs/MIGRATING.md.\n";


static int rc_read(const char *path, char **in, size_t *len);
static unsigned rc_version(const char *s);
static unsigned rc_nginx_version(void);
static char *rc_dir(const char *output, const char *dir);
static int rc_write_files(rc_t *c, const char *dir);
static int rc_hash(const char *password, size_t len, char *out,
    size_t size);


int
main(int argc, char **argv)
{
    int         i, no_module;
    char       *in, *dir;
    FILE       *f;
    size_t      len;
    rc_t        c;
    rc_opts_t   opts;
    const char *input, *output, *htdir;

    memset(&opts, 0, sizeof(rc_opts_t));
    opts.cache_dir = "/var/cache/nginx/routini";

    input = NULL;
    output = NULL;
    htdir = NULL;
    no_module = 0;

    for (i = 1; i < argc; i++) {

#define rc_arg(opt)  (strcmp(argv[i], opt) == 0 && i + 1 < argc)

        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(rc_usage, stdout);
            return 0;

        } else if (rc_arg("-o") || rc_arg("--output")) {
            output = argv[++i];

        } else if (strcmp(argv[i], "--include") == 0) {
            opts.include = 1;

        } else if (rc_arg("--module")) {
            if (opts.nmodules == RC_MAX_MODULES) {
                fprintf(stderr, "routini-convert: too many --module\n");
                return 2;
            }

            opts.modules[opts.nmodules++] = argv[++i];

        } else if (strcmp(argv[i], "--no-module") == 0) {
            no_module = 1;

        } else if (rc_arg("--nginx-version")) {
            opts.nginx_version = rc_version(argv[++i]);

            if (opts.nginx_version == 0) {
                fprintf(stderr, "routini-convert: --nginx-version \"%s\": "
                        "expected X.Y.Z\n", argv[i]);
                return 2;
            }

        } else if (rc_arg("--htpasswd-dir")) {
            htdir = argv[++i];

        } else if (rc_arg("--cache-dir")) {
            opts.cache_dir = argv[++i];

        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "routini-convert: unknown or incomplete option "
                    "\"%s\"\n\n%s", argv[i], rc_usage);
            return 2;

        } else if (input == NULL) {
            input = argv[i];

        } else {
            fprintf(stderr, "routini-convert: one configuration only\n");
            return 2;
        }

#undef rc_arg
    }

    if (no_module) {
        opts.nmodules = 0;

    } else if (opts.nmodules == 0) {
        opts.modules[opts.nmodules++] = RC_DEBIAN_MODULE;
    }

    if (opts.nginx_version == 0) {
        opts.nginx_version = rc_nginx_version();
    }

    dir = rc_dir(output, htdir);
    if (dir == NULL) {
        return 2;
    }

    opts.htpasswd_dir = dir;

    if (rc_read(input, &in, &len) != 0) {
        free(dir);
        return 2;
    }

    memset(&c, 0, sizeof(rc_t));
    c.opts = &opts;

    i = rc_convert(&c, in, len);

    if (c.log.len) {
        fwrite(c.log.data, 1, c.log.len, stderr);
    }

    if (i != 0) {
        if (c.nomem) {
            fprintf(stderr, "routini-convert: out of memory\n");
        }

        rc_free(&c);
        free(in);
        free(dir);
        return 1;
    }

    i = 0;

    f = output ? fopen(output, "w") : stdout;

    if (f == NULL
        || fwrite(c.out.data, 1, c.out.len, f) != c.out.len
        || (output ? fclose(f) : fflush(f)) != 0)
    {
        fprintf(stderr, "routini-convert: %s: %s\n",
                output ? output : "stdout", strerror(errno));
        i = 2;
    }

    if (i == 0 && rc_write_files(&c, dir) != 0) {
        i = 2;
    }

    rc_free(&c);
    free(in);
    free(dir);

    return i;
}


static int
rc_read(const char *path, char **in, size_t *len)
{
    int      fd;
    char    *p, *buf;
    size_t   size, n;
    ssize_t  r;

    fd = (path == NULL || strcmp(path, "-") == 0) ? 0 : open(path, O_RDONLY);

    if (fd < 0) {
        fprintf(stderr, "routini-convert: %s: %s\n", path, strerror(errno));
        return -1;
    }

    size = 65536;
    n = 0;
    buf = malloc(size);

    for ( ;; ) {
        if (buf == NULL) {
            fprintf(stderr, "routini-convert: out of memory\n");
            return -1;
        }

        r = read(fd, buf + n, size - n);

        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }

            fprintf(stderr, "routini-convert: %s: %s\n",
                    path ? path : "stdin", strerror(errno));
            free(buf);
            return -1;
        }

        if (r == 0) {
            break;
        }

        n += r;

        if (n == size) {
            size *= 2;
            p = realloc(buf, size);

            if (p == NULL) {
                free(buf);
            }

            buf = p;
        }
    }

    if (fd != 0) {
        close(fd);
    }

    *in = buf;
    *len = n;

    return 0;
}


/* "1.22.1" -> 1022001, as nginx_version */

static unsigned
rc_version(const char *s)
{
    unsigned  major, minor, patch;
    char      end;

    if (sscanf(s, "%u.%u.%u%c", &major, &minor, &patch, &end) != 3
        || minor > 999 || patch > 999)
    {
        return 0;
    }

    return major * 1000000 + minor * 1000 + patch;
}


static unsigned
rc_nginx_version(void)
{
    char      line[256], *p;
    FILE     *f;
    unsigned  v;

    v = 0;

    f = popen("nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1", "r");

    if (f != NULL) {
        while (v == 0 && fgets(line, sizeof(line), f)) {
            p = strstr(line, "nginx/");

            if (p) {
                p += 6;
                p[strcspn(p, " \r\n")] = '\0';
                v = rc_version(p);
            }
        }

        pclose(f);
    }

    if (v == 0) {
        fprintf(stderr, "routini-convert: warning: no \"nginx -v\": writing "
                "for nginx 1.22.1 (--nginx-version chooses)\n");
        v = 1022001;
    }

    return v;
}


/* the htpasswd directory, absolute, since nginx resolves a relative
 * auth_basic_user_file against its own prefix */

static char *
rc_dir(const char *output, const char *dir)
{
    char   path[PATH_MAX], *slash, *abs;

    if (dir == NULL) {
        if (output == NULL || strchr(output, '/') == NULL) {
            dir = ".";

        } else {
            snprintf(path, sizeof(path), "%s", output);
            slash = strrchr(path, '/');
            *(slash == path ? slash + 1 : slash) = '\0';
            dir = path;
        }
    }

    abs = realpath(dir, NULL);

    if (abs == NULL) {
        fprintf(stderr, "routini-convert: %s: %s\n", dir, strerror(errno));
    }

    return abs;
}


static int
rc_write_files(rc_t *c, const char *dir)
{
    int          fd;
    char         path[PATH_MAX], hash[256];
    FILE        *f;
    size_t       len;
    unsigned     i;
    const char  *line, *nl, *colon;

    for (i = 0; i < c->nfiles; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, c->files[i].name);

        /* nginx's workers read it: make it theirs (chgrp, chmod 640) */

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;

        if (f == NULL) {
            fprintf(stderr, "routini-convert: %s: %s\n", path,
                    strerror(errno));
            if (fd >= 0) {
                close(fd);
            }

            return -1;
        }

        for (line = c->files[i].users.data;
             line && line < c->files[i].users.data + c->files[i].users.len;
             line = nl + 1)
        {
            nl = strchr(line, '\n');
            colon = memchr(line, ':', nl - line);
            len = nl - colon - 1;

            if (rc_hash(colon + 1, len, hash, sizeof(hash)) != 0) {
                fprintf(stderr, "routini-convert: crypt() failed for %s\n",
                        path);
                fclose(f);
                return -1;
            }

            fprintf(f, "%.*s:%s\n", (int) (colon - line), line, hash);
        }

        if (fclose(f) != 0) {
            fprintf(stderr, "routini-convert: %s: %s\n", path,
                    strerror(errno));
            return -1;
        }

        fprintf(stderr, "routini-convert: wrote %s\n", path);
    }

    return 0;
}


/* SHA-512 crypt with a random salt */

static int
rc_hash(const char *password, size_t len, char *out, size_t size)
{
    int            fd;
    char           salt[24], *pw, *h;
    size_t         i;
    unsigned char  rnd[16];
    static const char  chars[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    fd = open("/dev/urandom", O_RDONLY);

    if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t) sizeof(rnd)) {
        if (fd >= 0) {
            close(fd);
        }

        return -1;
    }

    close(fd);

    memcpy(salt, "$6$", 3);

    for (i = 0; i < sizeof(rnd); i++) {
        salt[3 + i] = chars[rnd[i] & 63];
    }

    salt[3 + sizeof(rnd)] = '$';
    salt[4 + sizeof(rnd)] = '\0';

    pw = strndup(password, len);
    if (pw == NULL) {
        return -1;
    }

    h = crypt(pw, salt);
    free(pw);

    if (h == NULL || h[0] != '$' || strlen(h) >= size) {
        return -1;
    }

    strcpy(out, h);

    return 0;
}
