/*
 * env.c - type environments (candid_env): the node array, definitions and lookups. Kept apart
 * from the .did parser so that a canister that only encodes and decodes does not link the
 * parser and lexer.
 */
#include "internal.h"

#include <stdlib.h>

void candid_env_init(candid_env *e)
{
    memset(e, 0, sizeof *e);
    e->actor = CANDID_NO_TYPE;
}

void candid_env_free(candid_env *e)
{
    free(e->types);
    free(e->defs);
    candid_arena_free(&e->arena);
    candid_env_init(e);
}

int candid_env_add(candid_env *e, const candid_type *t, candid_tref *out)
{
    if (e->ntypes >= (uint32_t)INT32_MAX ||
        candid__grow((void **)&e->types, &e->captypes, e->ntypes + 1, sizeof *e->types))
        return CANDID_E_NOMEM;
    e->types[e->ntypes] = *t;
    *out = (candid_tref)e->ntypes++;
    return 0;
}

const candid_type *candid_env_node(const candid_env *e, candid_tref t)
{
    if (!e || t < 0 || (uint32_t)t >= e->ntypes)
        return NULL;
    return &e->types[t];
}

candid_kind candid_env_kind(const candid_env *e, candid_tref t)
{
    if (t < 0)
        return (candid_kind)t;
    const candid_type *n = candid_env_node(e, t);
    return n ? n->kind : CANDID_EMPTY;
}

candid_tref candid_env_lookup(const candid_env *e, const char *name)
{
    for (uint32_t i = 0; i < e->ndefs; i++)
        if (!strcmp(e->defs[i].name, name))
            return e->defs[i].type;
    return CANDID_NO_TYPE;
}

int candid__null_like(const candid_env *e, candid_tref t)
{
    candid_kind k = candid_env_kind(e, t);
    return k == CANDID_NULL || k == CANDID_OPT || k == CANDID_RESERVED;
}

int candid__method_cmp(const candid_method *x, const candid_method *y)
{
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}
