/*
 * main.c - the `candid` command-line tool: dispatches the subcommands `encode`, `decode`, `test`
 * and `gen`, and holds what they share (reading files, the import loader, type options).
 *
 *   candid encode '(ARGS)' [--types '(T, ...)'] [--did FILE]   prints the message as hex
 *   candid decode HEX [--types '(T, ...)'] [--did FILE]        prints the textual values
 *   candid test FILE.test.did...                                runs conformance test files
 *   candid gen ...                                              C bindings (when built in)
 *
 * The same source builds natively and for wasm32-wasi (run with Node's WASI).
 */
#include "tool.h"

#include "asyncwasm/candid.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __wasi__
#include <unistd.h>
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: candid encode '(ARGS)' [--types '(T, ...)'] [--did FILE]\n"
               "       candid decode HEX [--types '(T, ...)'] [--did FILE]\n"
               "       candid test FILE.test.did...\n"
               "       candid gen c FILE.did -o DIR\n");
}

char *candid_tool_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "candid: cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        fprintf(stderr, "candid: cannot read %s\n", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int candid_tool_file_loader(void *ctx, const char *importer, const char *path, char **resolved,
                            char **text, size_t *len)
{
    (void)ctx;
    const char *slash = strrchr(importer, '/');
    size_t dir = (path[0] != '/' && slash) ? (size_t)(slash - importer + 1) : 0;
    char *full = malloc(dir + strlen(path) + 1);
    if (!full)
        return -1;
    memcpy(full, importer, dir);
    strcpy(full + dir, path);
    *text = candid_tool_read_file(full, len);
    if (!*text) {
        free(full);
        return -1;
    }
    *resolved = full;
    return 0;
}

/* The options shared by encode and decode. */
typedef struct {
    const char *positional;
    const char *types;
    const char *did;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--types") && i + 1 < argc) {
            o->types = argv[++i];
        } else if (!strcmp(argv[i], "--did") && i + 1 < argc) {
            o->did = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "candid %s: unknown or incomplete option %s\n", argv[0], argv[i]);
            return 2;
        } else if (!o->positional) {
            o->positional = argv[i];
        } else {
            fprintf(stderr, "candid %s: unexpected argument %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    if (!o->positional) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* Loads --did into e and parses --types; *types stays NULL without --types. */
static int load_types(const char *cmd, const opts *o, candid_env *e, candid_tref **types,
                      uint32_t *n)
{
    candid_error err;
    *types = NULL;
    *n = 0;
    if (o->did) {
        size_t len;
        char *src = candid_tool_read_file(o->did, &len);
        if (!src)
            return 1;
        int rc = candid_parse_did(e, src, len, o->did, candid_tool_file_loader, NULL, &err);
        free(src);
        if (rc) {
            fprintf(stderr, "candid %s: %s\n", cmd, err.message);
            return 1;
        }
    }
    if (o->types && candid_parse_tuptype(e, o->types, strlen(o->types), types, n, &err)) {
        fprintf(stderr, "candid %s: --types: %s\n", cmd, err.message);
        return 1;
    }
    return 0;
}

int candid_tool_encode(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    candid_env e;
    candid_env_init(&e);
    candid_arena a;
    candid_arena_init(&a);
    candid_buf out = {0};
    candid_tref *types = NULL, *used = NULL;
    uint32_t ntypes = 0, nvals = 0;
    candid_value *vals = NULL;
    candid_error err;
    rc = load_types("encode", &o, &e, &types, &ntypes);
    if (!rc && candid_parse_args(&e, &a, o.positional, strlen(o.positional), types, ntypes, &vals,
                                 &nvals, &used, &err)) {
        fprintf(stderr, "candid encode: %s\n", err.message);
        rc = 1;
    }
    if (!rc && candid_encode(&e, used, vals, nvals, &out, &err)) {
        fprintf(stderr, "candid encode: %s\n", err.message);
        rc = 1;
    }
    if (!rc) {
        for (size_t i = 0; i < out.len; i++)
            printf("%02x", out.data[i]);
        printf("\n");
    }
    candid_buf_free(&out);
    candid_arena_free(&a);
    candid_env_free(&e);
    return rc;
}

int candid_tool_decode(int argc, char **argv)
{
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    const char *hex = o.positional;
    size_t hl = strlen(hex);
    if (hl % 2) {
        fprintf(stderr, "candid decode: the hex input has an odd number of digits\n");
        return 1;
    }
    uint8_t *bytes = malloc(hl / 2 + 1);
    if (!bytes) {
        fprintf(stderr, "candid decode: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < hl / 2; i++) {
        int h = candid__hexval(hex[2 * i]), l = candid__hexval(hex[2 * i + 1]);
        if (h < 0 || l < 0) {
            fprintf(stderr, "candid decode: invalid hex digit at position %zu\n",
                    h < 0 ? 2 * i : 2 * i + 1);
            free(bytes);
            return 1;
        }
        bytes[i] = (uint8_t)(h * 16 + l);
    }
    candid_env e;
    candid_env_init(&e);
    candid_arena a;
    candid_arena_init(&a);
    candid_tref *types;
    uint32_t ntypes = 0, nvals = 0;
    candid_value *vals = NULL;
    candid_error err;
    rc = load_types("decode", &o, &e, &types, &ntypes);
    if (!rc && candid_decode(bytes, hl / 2, &e, types, ntypes, NULL, &a, &vals, &nvals, &err)) {
        fprintf(stderr, "candid decode: %s\n", err.message);
        rc = 1;
    }
    if (!rc) {
        candid_buf out = {0};
        if (candid_print_args(&out, vals, nvals)) {
            fprintf(stderr, "candid decode: out of memory\n");
            rc = 1;
        } else {
            printf("%.*s\n", (int)out.len, (const char *)out.data);
        }
        candid_buf_free(&out);
    }
    free(bytes);
    candid_arena_free(&a);
    candid_env_free(&e);
    return rc;
}

#ifndef CANDID_TOOL_HAVE_GEN
/* Built without tools/candid/gen_c.c (mk/candid.mk defines CANDID_TOOL_HAVE_GEN with it). */
int candid_tool_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "candid gen: not built in this version\n");
    return 2;
}
#endif

int main(int argc, char **argv)
{
#ifdef __wasi__
    /* WASI starts in "/"; the runner passes the caller's directory so relative paths work */
    const char *pwd = getenv("PWD");
    if (pwd && chdir(pwd) != 0)
        fprintf(stderr, "candid: cannot change to directory %s\n", pwd);
#endif
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "encode"))
        return candid_tool_encode(argc - 1, argv + 1);
    if (!strcmp(cmd, "decode"))
        return candid_tool_decode(argc - 1, argv + 1);
    if (!strcmp(cmd, "test"))
        return candid_tool_test(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen"))
        return candid_tool_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "candid: unknown command `%s`\n", cmd);
    usage(stderr);
    return 2;
}
