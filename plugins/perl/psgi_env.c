/*
 * plugins/perl/psgi_env.c - the PSGI env of a request.
 *
 * Every key is a shared-string SV made once, its hash computed once: storing
 * it (hv_store_ent with the hash) costs no hashing and no key copy.  The CGI
 * variables' names come from a cache of such keys (the first KEY_CACHE
 * distinct names; odd ones past that are per request).  Values are new SVs
 * per request, as an app (or a middleware) may assign to any of them.
 *
 * The request facts are the core's: psgi.url_scheme is r->url_scheme and
 * the variables already carry SERVER_NAME, SERVER_PORT, SCRIPT_NAME and
 * PATH_INFO as the core split them (repeated request headers joined with
 * ", ", no HTTP_PROXY), so nothing here decides them.
 */
#include <string.h>

#include "perl.h"

#define KEY_SLOTS  1024         /* open addressing, a power of two */
#define KEY_CACHE  512

typedef struct {
    SV  *key;                   /* a shared-string SV, or NULL */
    U32  hash;
} pl_key_t;

#define POS_SLOTS  64           /* names remembered by their position */

static pl_key_t    keys[KEY_SLOTS];
static const pl_key_t *by_pos[POS_SLOTS];  /* the key last seen at variable i */
static unsigned nkeys;
static AV      *version;

enum {
    K_VERSION, K_URL_SCHEME, K_INPUT, K_ERRORS, K_MULTITHREAD, K_MULTIPROCESS,
    K_RUN_ONCE, K_NONBLOCKING, K_STREAMING, K_BUFFERED, K_HARAKIRI, K_CLEANUP,
    K_HANDLERS, K_IO, K_COUNT
};

static const char *const fixed_names[K_COUNT] = {
    "psgi.version", "psgi.url_scheme", "psgi.input", "psgi.errors", "psgi.multithread",
    "psgi.multiprocess", "psgi.run_once", "psgi.nonblocking", "psgi.streaming",
    "psgix.input.buffered", "psgix.harakiri", "psgix.cleanup", "psgix.cleanup.handlers",
    "psgix.io",
};

static pl_key_t fixed[K_COUNT];

/* A shared key for len bytes of name: from the cache, or *tmp set to a
 * mortal one when the cache is full. */
static const pl_key_t *
key_for(pTHX_ const char *name, size_t len, pl_key_t *tmp)
{
    U32      h;
    unsigned i;

    PERL_HASH(h, name, len);
    for (i = h & (KEY_SLOTS - 1); keys[i].key != NULL; i = (i + 1) & (KEY_SLOTS - 1))
        if (keys[i].hash == h && SvCUR(keys[i].key) == len
            && memcmp(SvPVX(keys[i].key), name, len) == 0)
            return &keys[i];
    tmp->hash = h;
    tmp->key = newSVpvn_share(name, (I32) len, h);
    if (nkeys >= KEY_CACHE) {
        sv_2mortal(tmp->key);
        return tmp;
    }
    keys[i] = *tmp;
    nkeys++;
    return &keys[i];
}

int
weft_pl_env_init(pTHX)
{
    unsigned i;

    for (i = 0; i < K_COUNT; i++) {
        pl_key_t tmp;

        fixed[i] = *key_for(aTHX_ fixed_names[i], strlen(fixed_names[i]), &tmp);
    }
    version = newAV();
    av_push(version, newSViv(1));
    av_push(version, newSViv(1));
    SvREADONLY_on(AvARRAY(version)[0]);
    SvREADONLY_on(AvARRAY(version)[1]);
    SvREADONLY_on((SV *) version);
    return WEFT_OK;
}

static inline void
put(pTHX_ HV *hv, const pl_key_t *k, SV *v)
{
    (void) hv_store_ent(hv, k->key, v, k->hash);
}

static inline SV *
boolean(pTHX_ int b)
{
    return newSVsv(b ? &PL_sv_yes : &PL_sv_no);
}

HV *
weft_pl_env(pTHX_ weft_pl_core_t *pc, weft_request_t *r)
{
    HV       *hv = newHV();
    unsigned  i;
    uint32_t  eflags = weft_pl_api->engine_flags();
    int       has_master = weft_pl_api->has_master();

    hv_ksplit(hv, r->nvars + K_COUNT + 4);
    for (i = 0; i < r->nvars; i++) {
        const weft_var_t *v = &r->vars[i];
        pl_key_t          tmp;
        const pl_key_t   *k = i < POS_SLOTS ? by_pos[i] : NULL;

        /* Requests mostly carry the same names in the same order: the
         * one at this position last time, when it matches, costs no
         * hashing. */
        if (k == NULL || SvCUR(k->key) != v->key_len
            || memcmp(SvPVX(k->key), v->key, v->key_len) != 0) {
            k = key_for(aTHX_ v->key, v->key_len, &tmp);
            if (i < POS_SLOTS)
                by_pos[i] = k == &tmp ? NULL : k;
        }

        put(aTHX_ hv, k, newSVpvn(v->value, v->value_len));
    }
    put(aTHX_ hv, &fixed[K_VERSION], newRV_inc((SV *) version));
    put(aTHX_ hv, &fixed[K_URL_SCHEME], newSVpvn(r->url_scheme.data, r->url_scheme.len));
    put(aTHX_ hv, &fixed[K_INPUT], newSVsv(pc->input));
    put(aTHX_ hv, &fixed[K_ERRORS], newSVsv(weft_pl_errors));
    put(aTHX_ hv, &fixed[K_MULTITHREAD], boolean(aTHX_ 0));
    put(aTHX_ hv, &fixed[K_MULTIPROCESS], boolean(aTHX_ weft_pl_api->worker_count() > 1));
    put(aTHX_ hv, &fixed[K_RUN_ONCE], boolean(aTHX_ 0));
    put(aTHX_ hv, &fixed[K_NONBLOCKING], boolean(aTHX_ (eflags & WEFT_ENGINE_OWNS_LOOP) != 0));
    put(aTHX_ hv, &fixed[K_STREAMING], boolean(aTHX_ 1));
    put(aTHX_ hv, &fixed[K_BUFFERED], boolean(aTHX_ (r->flags & WEFT_REQ_BODY_REWINDABLE) != 0));
    put(aTHX_ hv, &fixed[K_HARAKIRI], boolean(aTHX_ has_master));
    put(aTHX_ hv, &fixed[K_CLEANUP], boolean(aTHX_ 1));
    put(aTHX_ hv, &fixed[K_HANDLERS], newRV_noinc((SV *) newAV()));
    put(aTHX_ hv, &fixed[K_IO], newSVsv(pc->io));
    return hv;
}

/* The env's psgix.cleanup.handlers array, or NULL. */
AV *
weft_pl_env_cleanup_handlers(pTHX_ HV *env)
{
    HE *he = hv_fetch_ent(env, fixed[K_HANDLERS].key, 0, fixed[K_HANDLERS].hash);
    SV *sv = he ? HeVAL(he) : NULL;

    if (sv == NULL || !SvROK(sv) || SvTYPE(SvRV(sv)) != SVt_PVAV)
        return NULL;
    return (AV *) SvRV(sv);
}

/* 1 when the app set psgix.harakiri.commit to a true value. */
int
weft_pl_env_harakiri(pTHX_ HV *env)
{
    SV **sv = hv_fetchs(env, "psgix.harakiri.commit", 0);

    return sv != NULL && SvTRUE(*sv);
}
