/*
 * scope.c: the ordinary-identifier namespace as a stack of scopes (file,
 * block, prototype), each a small hash table from name to the Decl visible
 * there.  Two clients: the parser's actions, which declare names as soon as
 * a declarator is complete and resolve every identifier expression; and the
 * lexer, which asks scope_is_typedef() for each identifier to tell the
 * grammar a TYPEDEF_NAME from an IDENT (C's "typedef-name feedback").
 * Tags, labels and members live in other namespaces and are not kept here.
 */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

typedef struct Entry {
  const char *name;
  Decl *decl;
} Entry;

struct Scope {
  Scope *up;
  Entry *slots;   /* open addressing, power-of-two capacity */
  int cap, used;
};

static Scope *cur;
static int depth;

static uint32_t hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static Entry *find(Scope *s, const char *name, size_t n) {
  if (!s->cap)
    return NULL;
  for (uint32_t i = hash(name, n) & (uint32_t)(s->cap - 1);;
       i = (i + 1) & (uint32_t)(s->cap - 1)) {
    Entry *e = &s->slots[i];
    if (!e->name)
      return e;
    if (!strncmp(e->name, name, n) && !e->name[n])
      return e;
  }
}

static void grow(Scope *s) {
  Entry *old = s->slots;
  int oldcap = s->cap;
  s->cap = oldcap ? oldcap * 2 : 8;
  s->slots = xalloc(sizeof(Entry) * (size_t)s->cap);
  for (int i = 0; i < oldcap; i++)
    if (old[i].name)
      *find(s, old[i].name, strlen(old[i].name)) = old[i];
  free(old);
}

static void predeclare_typedef(const char *name) {
  Decl *d = xalloc(sizeof *d);
  d->kind = DK_TYPEDEF;
  d->name = name;
  scope_declare(d);
}

void scope_init(void) {
  cur = xalloc(sizeof *cur);
  depth = 0;
  /* clang's built-in typedef names, which headers use without declaring. */
  predeclare_typedef("__builtin_va_list");
  predeclare_typedef("__int128_t");
  predeclare_typedef("__uint128_t");
  predeclare_typedef("__builtin_ms_va_list");
}

void scope_push(void) {
  Scope *s = xalloc(sizeof *s);
  s->up = cur;
  cur = s;
  depth++;
}

Scope *scope_pop(void) {
  Scope *s = cur;
  if (s->up) {
    cur = s->up;
    depth--;
  }
  return s;
}

void scope_reopen(Scope *s) {
  if (!s) {
    scope_push();
    return;
  }
  s->up = cur;
  cur = s;
  depth++;
}

int scope_depth(void) { return depth; }

void scope_free(Scope *s) {
  if (!s || !s->up || s == cur) /* the file scope stays */
    return;
  free(s->slots);
  free(s);
}

Decl *scope_declare(Decl *decl) {
  if (!decl->name)
    return NULL;
  if ((cur->used + 1) * 2 > cur->cap)
    grow(cur);
  Entry *e = find(cur, decl->name, strlen(decl->name));
  Decl *prev = e->name ? e->decl : NULL;
  if (!e->name)
    cur->used++;
  e->name = decl->name;
  e->decl = decl;
  return prev;
}

static Decl *lookup(const char *name, size_t n) {
  for (Scope *s = cur; s; s = s->up) {
    Entry *e = find(s, name, n);
    if (e && e->name)
      return e->decl;
  }
  return NULL;
}

Decl *scope_lookup(const char *name) { return lookup(name, strlen(name)); }

Decl *scope_lookup_file(const char *name) {
  Scope *s = cur;
  while (s->up)
    s = s->up;
  Entry *e = find(s, name, strlen(name));
  return e && e->name ? e->decl : NULL;
}

bool scope_is_typedef(const char *name, size_t len) {
  Decl *d = lookup(name, len);
  return d && d->kind == DK_TYPEDEF;
}
