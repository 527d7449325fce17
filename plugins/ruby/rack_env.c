/*
 * plugins/ruby/rack_env.c - the Rack env of a request (Rack 2.2 SPEC).
 *
 * A request's Hash starts as a copy of a template that holds everything
 * that does not change (rack.version, rack.errors, rack.multithread ...).
 * The CGI variables follow, their names frozen Strings from a cache made
 * once (a frozen String key is stored as is, without a copy).  The request
 * facts are the core's: rack.url_scheme is r->url_scheme, SERVER_NAME,
 * SERVER_PORT, SCRIPT_NAME, PATH_INFO and QUERY_STRING come from r, and
 * HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH (which an nginx frontend may
 * pass) are dropped, as the SPEC says.
 */
#include <stdlib.h>
#include <string.h>

#include "ruby.h"

#define KEY_SLOTS  512          /* open addressing, a power of two */
#define KEY_CACHE  256          /* names kept at most; the rest per request */

typedef struct {
    uint32_t    hash;
    uint32_t    len;
    char       *data;
    VALUE       str;            /* registered once */
} key_slot_t;

static key_slot_t keys[KEY_SLOTS];
static unsigned   nkeys;
static VALUE      tmpl = Qnil, s_http = Qnil, s_https = Qnil;
static VALUE      k_input, k_hijack, k_hints, k_url_scheme, k_server_name, k_server_port,
                  k_script_name, k_path_info, k_query_string;

static uint32_t
hash_of(const char *p, size_t n)
{
    uint32_t h = 2166136261u;           /* FNV-1a */

    while (n-- > 0)
        h = (h ^ (unsigned char) *p++) * 16777619u;
    return h;
}

/* The frozen String for the name p[0..n), from the cache when it can. */
static VALUE
key_for(const char *p, size_t n)
{
    uint32_t h = hash_of(p, n);
    unsigned i = h & (KEY_SLOTS - 1);

    for (;;) {
        key_slot_t *k = &keys[i];

        if (k->data == NULL)
            break;
        if (k->hash == h && k->len == n && memcmp(k->data, p, n) == 0)
            return k->str;
        i = (i + 1) & (KEY_SLOTS - 1);
    }
    if (nkeys >= KEY_CACHE)
        return rb_obj_freeze(rb_str_new(p, (long) n));
    keys[i].data = malloc(n + 1);
    if (keys[i].data == NULL)
        return rb_obj_freeze(rb_str_new(p, (long) n));
    memcpy(keys[i].data, p, n);
    keys[i].data[n] = '\0';
    keys[i].hash = h;
    keys[i].len = (uint32_t) n;
    keys[i].str = rb_obj_freeze(rb_str_new(p, (long) n));
    rb_gc_register_address(&keys[i].str);
    nkeys++;
    return keys[i].str;
}

static VALUE
frozen(const char *s)
{
    return key_for(s, strlen(s));
}

int
weft_rb_env_init(void)
{
    VALUE rack = rb_const_get(rb_cObject, rb_intern("Rack"));
    VALUE version = rb_const_get(rack, rb_intern("VERSION"));

    rb_gc_register_address(&tmpl);
    rb_gc_register_address(&s_http);
    rb_gc_register_address(&s_https);
    s_http = rb_obj_freeze(rb_str_new_cstr("http"));
    s_https = rb_obj_freeze(rb_str_new_cstr("https"));
    k_input = frozen("rack.input");
    k_hijack = frozen("rack.hijack");
    k_hints = frozen("rack.early_hints");
    k_url_scheme = frozen("rack.url_scheme");
    k_server_name = frozen("SERVER_NAME");
    k_server_port = frozen("SERVER_PORT");
    k_script_name = frozen("SCRIPT_NAME");
    k_path_info = frozen("PATH_INFO");
    k_query_string = frozen("QUERY_STRING");

    tmpl = rb_hash_new();
    rb_hash_aset(tmpl, frozen("rack.version"), version);
    rb_hash_aset(tmpl, frozen("rack.errors"), weft_rb_errors);
    rb_hash_aset(tmpl, frozen("rack.multithread"), Qfalse);
    rb_hash_aset(tmpl, frozen("rack.multiprocess"),
                 weft_rb_api->worker_count() > 1 ? Qtrue : Qfalse);
    rb_hash_aset(tmpl, frozen("rack.run_once"), Qfalse);
    rb_hash_aset(tmpl, frozen("rack.hijack?"), Qtrue);
    rb_hash_aset(tmpl, frozen("SERVER_SOFTWARE"),
                 rb_obj_freeze(rb_sprintf("weft/%s", weft_rb_api->version)));
    return WEFT_OK;
}

static VALUE
str_of(const weft_str_t *s)
{
    return rb_str_new(s->data, (long) s->len);
}

/*
 * The env Hash for r.  Called under rb_protect (it allocates); the Hash is
 * kept in rc->env, a registered slot.
 */
VALUE
weft_rb_env(weft_rb_core_t *rc, weft_request_t *r)
{
    VALUE    env = rb_hash_dup(tmpl);
    unsigned i;

    for (i = 0; i < r->nvars; i++) {
        const weft_var_t *v = &r->vars[i];

        if (v->key_len == 17 && memcmp(v->key, "HTTP_CONTENT_TYPE", 17) == 0)
            continue;
        if (v->key_len == 19 && memcmp(v->key, "HTTP_CONTENT_LENGTH", 19) == 0)
            continue;
        rb_hash_aset(env, key_for(v->key, v->key_len),
                     rb_str_new(v->value, (long) v->value_len));
    }
    /* The core's facts, whatever the variables said. */
    rb_hash_aset(env, k_server_name, str_of(&r->server_name));
    rb_hash_aset(env, k_server_port, str_of(&r->server_port));
    rb_hash_aset(env, k_script_name, str_of(&r->script_name));
    rb_hash_aset(env, k_path_info, str_of(&r->path_info));
    rb_hash_aset(env, k_query_string, str_of(&r->query_string));
    rb_hash_aset(env, k_url_scheme,
                 r->url_scheme.len == 5 && memcmp(r->url_scheme.data, "https", 5) == 0
                 ? s_https : s_http);
    rb_hash_aset(env, k_input, rc->input);
    rb_hash_aset(env, k_hijack, rc->hijack);
    rb_hash_aset(env, k_hints, rc->hints);
    return env;
}
