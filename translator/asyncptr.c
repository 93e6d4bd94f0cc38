/*
 * asyncptr.c: the token rewrites that pointers to async functions need in
 * the output, collected once before the lowering (docs/language.md,
 * "Async function pointers").
 *
 * In C, `async int (*fp)(int)` is the plain pointer `int (*fp)(int)`, and
 * what it points to is f__shim, a function with f's own signature that
 * starts f's frame wherever the awaiting side asked (ac.h's
 * ac__dyn_target); so the output needs two kinds of token edits, in plain
 * code as in async bodies:
 *
 *   before:  static async int (*ops[2])(int) = {parse, &check};
 *   after:   static       int (*ops[2])(int) = {parse__shim, &check__shim};
 *
 * `async` goes where it makes pointers (declarations of no function, type
 * names), and every async function used as a value rather than called
 * names its shim.  The lowering applies them as it copies text
 * (lower_names.c's lower_copy_range) and emit_c.c applies them to the .ac
 * text it copies around async functions.
 */
#include "ir.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

static Vec rewrites_; /* Rewrite*, sorted by offset once collected */
static Map valued_;   /* first Decl -> itself: async functions used as values */

static void add(size_t off, size_t len, const char *text) {
  Rewrite *r = xalloc(sizeof *r);
  *r = (Rewrite){off, len, text};
  vec_push(&rewrites_, r);
}

static bool is_main(const Decl *d) { return d->name && !strcmp(d->name, "main"); }

/* Every use of an async function as a value: each name of one that is not
   the callee of a call, wherever it is, in the tree or in the operands
   the tree leaves out (`__typeof__(a) *fp = b;`, `char t[sizeof &a]`). */
static void add_values(void) {
  Map callees = {0};
  const Vec *calls = ast_calls();
  for (int i = 0; i < calls->len; i++) {
    Node *c = calls->items[i];
    if (c->lhs && c->lhs->kind == ND_IDENT)
      map_put(&callees, c->lhs, c->lhs);
  }
  const Vec *names = ast_func_names();
  for (int i = 0; i < names->len; i++) {
    Node *n = names->items[i];
    Decl *d = n->decl;
    if (d->is_async && !is_main(d) && !map_get(&callees, n)) {
      add(n->name_off, strlen(n->name), xformat("%s__shim", n->name));
      map_put(&valued_, d->first ? d->first : d, d);
    }
  }
  map_free(&callees);
}

static int by_offset(const void *a, const void *b) {
  const Rewrite *x = *(Rewrite *const *)a, *y = *(Rewrite *const *)b;
  return (x->off > y->off) - (x->off < y->off);
}

void asyncptr_collect(Node *tu) {
  rewrites_ = (Vec){0};
  map_free(&valued_);
  const Vec *specs = ast_async_specs();
  for (int i = 0; i < specs->len; i++) {
    DeclSpec *s = specs->items[i];
    if (!s->declares_func)
      add(s->async_off, 5, "");
  }
  add_values();
  if (rewrites_.len) /* qsort's array may not be NULL, even when empty */
    qsort(rewrites_.items, (size_t)rewrites_.len, sizeof(void *), by_offset);
}

const Rewrite *rewrite_at(size_t off) {
  int lo = 0, hi = rewrites_.len;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    Rewrite *r = rewrites_.items[mid];
    if (r->off == off)
      return r;
    if (r->off < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const Vec *rewrites(void) { return &rewrites_; }

bool asyncptr_is_value(const Decl *d) {
  return d && map_get(&valued_, d->first ? d->first : d);
}

char *rewrite_text(const char *text, size_t begin, size_t end) {
  Str s = {0};
  size_t i = begin;
  for (int k = 0; k < rewrites_.len; k++) {
    Rewrite *r = rewrites_.items[k];
    if (r->off < i || r->off + r->len > end)
      continue;
    str_add(&s, text + i, r->off - i);
    str_puts(&s, r->text);
    i = r->off + r->len;
    while (!*r->text && i < end && (text[i] == ' ' || text[i] == '\t'))
      i++; /* `async long (*f)(long)` -> `long (*f)(long)`, no blank */
  }
  str_add(&s, text + i, end - i);
  return (char *)str_cstr(&s);
}
