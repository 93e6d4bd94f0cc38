/*
 * layout.c: offsets and sizes of every frame field, as the C compiler will
 * lay out the struct that emit_c.c writes.
 *
 * The shape of the frame was decided by the lowering (ir.h, Group): the
 * state word and the parameters, then for each scope a struct of its frame
 * locals followed by a union of what never lives at the same time inside
 * it (inner scopes; per full expression, its temporaries and the union of
 * its await children).  Here we only measure it: leaf sizes come from the
 * oracle (oracle_type_sizes), child frames of this TU from their own layout
 * (computed first: the embedding relation is acyclic after recurse.c), and
 * C's rules do the rest: a struct places members in order at their
 * alignment, a union is as large as its largest member, both round their
 * size up to their alignment.
 */
#include "ir.h"
#include "oracle.h"

#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t n, size_t a) {
  return a ? (n + a - 1) / a * a : n;
}

static AsyncFunc *frame_func(Program *p, const char *type) {
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    if (!strcmp(xformat("%s__frame", fn->name), type))
      return fn;
  }
  return NULL;
}

static void layout_func(Program *p, AsyncFunc *fn, Vec *busy);

static void slot_size(Program *p, Slot *s, Vec *busy) {
  if (!s->type || s->size)
    return;
  if (!strcmp(s->type, "uint32_t")) {
    s->size = s->align = 4;
  } else if (strstr(s->type, "__frame *")) {
    s->size = s->align = sizeof(void *);
  } else {
    AsyncFunc *g = frame_func(p, s->type);
    if (g) {
      layout_func(p, g, busy);
      s->size = g->size;
      s->align = g->align;
    }
  }
}

/* The largest alignment a local's specifiers ask for with a number:
   `_Alignas(64)`, `__attribute__((aligned(64)))`, 16 for a bare `aligned`;
   0 when none is a plain number (_Alignas(type)). */
static size_t requested_align(const char *spec) {
  size_t want = 0;
  for (const char *p = spec; p && (p = strstr(p, "lign")); p += 4) {
    const char *q = p + 4;
    while (*q == '_' || *q == 'a' || *q == 's' || *q == 'e' || *q == 'd')
      q++; /* _Alignas, aligned, __aligned__ */
    size_t n = 0;
    if (*q == '(')
      n = strtoul(q + 1, NULL, 0);
    else if (q[-1] == 'd')
      n = 16;
    if (n > want)
      want = n;
  }
  return want;
}

static void measure(Program *p, Group *g, Vec *busy) {
  size_t off = 0, size = 0, align = 1;
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    size_t msize, malign;
    if (m->slot) {
      slot_size(p, m->slot, busy);
      msize = m->slot->size;
      malign = m->slot->align ? m->slot->align : 1;
      size_t want = requested_align(m->slot->align_spec);
      if (want > malign)
        malign = m->slot->align = want;
    } else {
      measure(p, m->group, busy);
      msize = m->group->size;
      malign = m->group->align;
    }
    if (malign > align)
      align = malign;
    size_t at = g->is_union ? 0 : align_up(off, malign);
    if (m->slot)
      m->slot->offset = at;
    else
      m->group->offset = at;
    off = at + msize;
    if (off > size)
      size = off;
  }
  g->align = align;
  g->size = align_up(size, align);
}

/* Relative offsets become offsets from the frame's start. */
static void place(Group *g, size_t base) {
  g->offset += base;
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->slot)
      m->slot->offset += g->offset;
    else
      place(m->group, g->offset);
  }
}

static void layout_func(Program *p, AsyncFunc *fn, Vec *busy) {
  if (fn->size)
    return;
  for (int i = 0; i < busy->len; i++)
    if (busy->items[i] == fn)
      return; /* a cycle recurse.c boxed; cannot happen inline */
  vec_push(busy, fn);
  measure(p, fn->frame, busy);
  fn->frame->offset = 0;
  place(fn->frame, 0);
  fn->size = fn->frame->size;
  fn->align = fn->frame->align;
  busy->len--;
}

/* One oracle query for every spelling that is not ours. */
static void query_sizes(Program *p) {
  Vec slots = {0};
  Str prelude = {0};
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    for (int j = 0; j < fn->hoisted.len; j++)
      str_printf(&prelude, "%s\n", (char *)fn->hoisted.items[j]);
    for (int j = 0; j < fn->slots.len; j++) {
      Slot *s = fn->slots.items[j];
      if (s->type && strcmp(s->type, "uint32_t") &&
          !strstr(s->type, "__frame"))
        vec_push(&slots, s);
    }
  }
  int n = slots.len;
  const char **types = xalloc(sizeof *types * (size_t)(n + 1));
  size_t *size = xalloc(sizeof *size * (size_t)(n + 1));
  size_t *align = xalloc(sizeof *align * (size_t)(n + 1));
  for (int i = 0; i < n; i++)
    types[i] = ((Slot *)slots.items[i])->type;
  if (n)
    oracle_type_sizes(p->src, p->clang_args, p->nclang_args,
                      str_cstr(&prelude), types, n, size, align);
  for (int i = 0; i < n; i++) {
    Slot *s = slots.items[i];
    s->size = size[i];
    s->align = align[i];
  }
}

void layout_program(Program *p) {
  query_sizes(p);
  Vec busy = {0};
  for (int i = 0; i < p->funcs.len; i++)
    layout_func(p, p->funcs.items[i], &busy);
}
