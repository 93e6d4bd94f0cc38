/*
 * emit_names.c: the names the views and the debug tables give things, in
 * the user's words: a state's name (Start, AwaitingHello, Done; the rule
 * is in docs/cli.md, "State numbers and names"), an awaited expression as
 * written, on one line, and what a frame field holds.  emit_views.c,
 * emit_graph.c and emit_debug.c all use them, so they are here, under
 * all three.
 */
#include "ir.h"
#include "tokmap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ==== states ==== */

static bool starts_with(const char *s, const char *p) {
  return !strncmp(s, p, strlen(p));
}

static bool ends_with(const char *s, const char *p) {
  size_t n = strlen(s), m = strlen(p);
  return n >= m && !strcmp(s + n - m, p);
}

/* `print_async` -> Print, `ac_sleep_t` -> Sleep, `read_line` -> ReadLine. */
static char *camel(const char *callee) {
  const char *s = callee ? callee : "future";
  if (starts_with(s, "ac_") && s[3])
    s += 3;
  size_t n = strlen(s);
  if (ends_with(s, "_async") && n > 6)
    n -= 6;
  else if (ends_with(s, "_t") && n > 2)
    n -= 2;
  Str out = {0};
  bool up = true;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '_') {
      up = true;
      continue;
    }
    char c = up ? (char)toupper((unsigned char)s[i]) : s[i];
    str_add(&out, &c, 1);
    up = false;
  }
  return (char *)str_cstr(&out);
}

/* Made once per function, kept until emit_names_forget: */
static Map names_made; /* AsyncFunc* -> its state names (char *[sites]) */
static Map sites_made; /* AsyncFunc* -> Map of Slot* -> Site*, | 1 if a
                          future */

/* The names of f's await states, made once per function: a name shared
   by two sites gets the state number. */
static const char **state_names(AsyncFunc *f) {
  const char **names = map_get(&names_made, f);
  if (names)
    return names;
  names = xalloc(sizeof(char *) * (size_t)(f->sites.len + 1));
  char **base = xalloc(sizeof(char *) * (size_t)(f->sites.len + 1));
  Map count = {.strings = true}; /* camel name -> how many sites */
  for (int i = 0; i < f->sites.len; i++) {
    base[i] = camel(((Site *)f->sites.items[i])->callee);
    map_put(&count, base[i], (char *)map_get(&count, base[i]) + 1);
  }
  for (int i = 0; i < f->sites.len; i++)
    names[i] = (uintptr_t)map_get(&count, base[i]) > 1
                   ? xformat("Awaiting%s%d", base[i], i + 1)
                   : xformat("Awaiting%s", base[i]);
  map_free(&count);
  for (int i = 0; i < f->sites.len; i++)
    free(base[i]);
  free(base);
  map_put(&names_made, f, names);
  return names;
}

const char *graph_state_name(AsyncFunc *f, int state) {
  if (state == 0)
    return "Start";
  if (state == f->sites.len + 1)
    return "Done";
  return state_names(f)[state - 1];
}

/* ==== awaited expressions ==== */

/* text on one line: white space runs become one space (none inside
   brackets' ends and before a comma), comments go; string and character
   literals are kept as they are. */
static char *one_line(const char *text) {
  Str out = {0};
  bool space = false;
  for (const char *p = text; *p;) {
    if (p[0] == '/' && (p[1] == '*' || p[1] == '/')) {
      const char *end = p[1] == '*' ? strstr(p + 2, "*/") : strchr(p, '\n');
      p = !end ? p + strlen(p) : p[1] == '*' ? end + 2 : end;
      space = out.len > 0;
      continue;
    }
    if (isspace((unsigned char)*p)) {
      space = out.len > 0;
      p++;
      continue;
    }
    if (space && !strchr(")],;", *p) && !strchr("([", out.buf[out.len - 1]))
      str_add(&out, " ", 1);
    space = false;
    if (*p == '"' || *p == '\'') {
      const char *b = p++;
      while (*p && *p != *b)
        p += p[0] == '\\' && p[1] ? 2 : 1;
      p += *p != 0;
      str_add(&out, b, (size_t)(p - b));
      continue;
    }
    str_add(&out, p++, 1);
  }
  return (char *)str_cstr(&out);
}

/* The awaited expression as the .ac writes it, on one line: `hello()`,
   and a macro invocation as invoked (`SLEEP(5)`), from the token map. */
char *graph_await_text(Program *p, Site *site) {
  return graph_node_text(p, site->await && site->await->lhs ? site->await->lhs
                                                            : site->await);
}

char *graph_node_text(Program *p, Node *e) {
  if (!e || !p->src || e->end > p->src->len)
    return xstrdup("");
  Str copy = {0};
  tokmap_copy(source_map(p->src), p->src, e->begin, e->end, NULL, NULL,
              &copy);
  if (!copy.len)
    str_add(&copy, p->src->text + e->begin, e->end - e->begin);
  const char *plain = tokmap_strip_marks(str_cstr(&copy));
  char *line = one_line(plain);
  if (plain != copy.buf && *plain) /* a copy without the marks */
    free((char *)plain);
  free(copy.buf);
  return line;
}

/* ==== frame fields ==== */

/* Which await each slot of f is the value or the future of: the first
   such site, looking at the sites, then the children (a combinator's
   branches are in no state list), and at a site's value before its
   future.  Made once per function, as a function with thousands of awaits
   has thousands of such slots. */
static const Map *field_sites(AsyncFunc *f) {
  Map *sites = map_get(&sites_made, f);
  if (sites)
    return sites;
  sites = xalloc(sizeof *sites);
  for (int i = 0; i < f->sites.len + f->children.len; i++) {
    Site *k = i < f->sites.len ? f->sites.items[i]
                               : f->children.items[i - f->sites.len];
    if (k->result && !map_get(sites, k->result))
      map_put(sites, k->result, k);
    if (k->child && !map_get(sites, k->child))
      map_put(sites, k->child, (void *)((uintptr_t)k | 1));
  }
  map_put(&sites_made, f, sites);
  return sites;
}

void emit_names_forget(AsyncFunc *f) {
  char **names = map_get(&names_made, f);
  for (int i = 0; names && i < f->sites.len; i++)
    free(names[i]);
  free(names);
  map_put(&names_made, f, NULL);
  Map *sites = map_get(&sites_made, f);
  if (sites)
    map_free(sites);
  free(sites);
  map_put(&sites_made, f, NULL);
}

/* What a field holds, in the user's words. */
const char *debug_field_name(Program *p, AsyncFunc *fn, Slot *s) {
  if (s->decl && s->decl->name)
    return s->decl->name;
  if (s->kind == SL_LITERAL)
    return xformat("compound literal at line %d",
                   source_loc(p->src, s->lit->begin).line);
  uintptr_t at = (uintptr_t)map_get(field_sites(fn), s);
  Site *k = (Site *)(at & ~(uintptr_t)1);
  if (!k)
    return "spilled operand";
  return xformat("%s of await %s at %d:%d", at & 1 ? "future" : "value",
                 k->callee, k->line, k->col);
}
