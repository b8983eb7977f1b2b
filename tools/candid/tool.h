/*
 * tool.h - the subcommands of the `candid` command-line tool (tools/candid/main.c dispatches).
 *
 * Each subcommand takes the arguments after its name (argv[0] is the subcommand name), prints
 * its output on stdout and its errors on stderr, and returns the process exit status: 0 on
 * success, 1 when the input was bad or a test failed, 2 on wrong usage.
 */
#ifndef ASYNCWASM_TOOLS_CANDID_TOOL_H
#define ASYNCWASM_TOOLS_CANDID_TOOL_H

#include <stddef.h>

/* `candid encode '(ARGS)' [--types '(T, ...)'] [--did FILE]`: prints the message as hex. */
int candid_tool_encode(int argc, char **argv);
/* `candid decode HEX [--types '(T, ...)'] [--did FILE]`: prints the textual values. */
int candid_tool_decode(int argc, char **argv);
/* `candid test FILE.test.did...`: runs conformance test files, ends with `N passed, M failed`. */
int candid_tool_test(int argc, char **argv);
/* `candid gen ...`: the C binding generator (tools/candid/gen_c.c, when built in). */
int candid_tool_gen(int argc, char **argv);

/* Reads a whole file into a malloc'ed NUL-terminated buffer; returns NULL (and prints the
 * reason on stderr) on failure. */
char *candid_tool_read_file(const char *path, size_t *len);

/* The candid_loader the tool uses for .did imports: paths relative to the importing file. */
int candid_tool_file_loader(void *ctx, const char *importer, const char *path, char **resolved,
                            char **text, size_t *len);

#endif
