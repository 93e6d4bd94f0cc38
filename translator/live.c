/*
 * live.c: which frame fields are live at each suspension point (state).
 *
 * Liveness here:
 *   - the state word and the parameters are live everywhere;
 *   - a local is live at the await sites inside its scope that come after
 *     its declaration (a loop re-enters the scope, so an earlier site in
 *     the same scope sees a fresh, dead instance), and there only from its
 *     first write to its last read (live_locals.c; a local live at no site
 *     has no frame field at all);
 *   - a temporary is live at the sites of its own full expression that come
 *     after it was made (spilled operands are made before the site, an
 *     await's result after it), including the sites inside a statement
 *     expression in it, whose groups are nested in the expression's;
 *   - a child is live only in its own state (the children of a
 *     combinator's branches, in the combinator's);
 *   - a compound literal in the frame (lower_lit.c) is live at the sites
 *     of its scope after it is made, and at the awaits around it.
 * Fields that are never live together are exactly the ones layout.c lets
 * share storage, so `--emit=layout` can print the live set of every state
 * and the test of frame sizes compares against it.
 */
#include "ir.h"
#include "live_locals.h"

#include <stdint.h>
#include <stdlib.h>

static bool inside(Group *g, Group *ancestor) {
  for (; g; g = g->parent)
    if (g == ancestor)
      return true;
  return false;
}

static bool live_at(Slot *s, Site *k) {
  switch (s->kind) {
  case SL_STATE: case SL_PARAM:
    return true;
  case SL_LOCAL: /* in its scope, from first write to last read */
    return inside(k->group, s->group) &&
           k->await->begin > s->decl->name_off &&
           live_local_at(s->decl, k->await);
  case SL_TEMP: /* a statement expression's sites are nested in it; a
                   combinator's own temporaries (its branches' outputs, its
                   mask) are live at its state */
    return k->result == s || s->site == k ||
           (inside(k->group, s->group) && k->state > s->born);
  case SL_CHILD:
    return s->site == k || (s->site == NULL && k->child == s);
  case SL_LITERAL: /* from where it is made; at an await whose operand
                      holds it too */
    return inside(k->group, s->group) &&
           (k->state > s->born || (k->await->begin <= s->lit->begin &&
                                   s->lit->end <= k->await->end));
  }
  return false;
}

/*
 * A slot can only be live at the sites inside its group (or at sites whose
 * child or result it is), so each slot is tested against those sites
 * alone: with every group's sites listed once (each site under each of its
 * groups, in state order), the work is the size of the answer rather than
 * slots x sites, which was quadratic in a function with many awaits.
 */
typedef struct Cand {
  Map in_group;  /* Group* -> Vec* of its sites (its subgroups' too) */
  Map own;       /* Slot* -> Vec* of the sites it is the child or result of */
} Cand;

static void push_to(Map *m, const void *key, Site *k) {
  Vec *v = map_get(m, key);
  if (!v) {
    v = xalloc(sizeof *v);
    map_put(m, key, v);
  }
  if (!v->len || v->items[v->len - 1] != k)
    vec_push(v, k);
}

static void cand_build(Cand *c, AsyncFunc *fn) {
  for (int j = 0; j < fn->sites.len; j++) {
    Site *k = fn->sites.items[j];
    for (Group *g = k->group; g; g = g->parent)
      push_to(&c->in_group, g, k);
    if (k->child)
      push_to(&c->own, k->child, k);
    if (k->result)
      push_to(&c->own, k->result, k);
  }
}

/* The lists too: they are made for every function, and kept they were
   the largest part of what this pass left at the peak. */
static void lists_free(Map *m) {
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      Vec *v = m->vals[i];
      free(v->items);
      free(v);
    }
  map_free(m);
}

static void cand_free(Cand *c) {
  lists_free(&c->in_group);
  lists_free(&c->own);
}

static void slot_live(Cand *c, AsyncFunc *fn, Slot *s) {
  s->live.len = 0;
  if (s->kind == SL_STATE || s->kind == SL_PARAM) {
    for (int j = 0; j < fn->sites.len; j++)
      vec_push(&s->live, (void *)(intptr_t)((Site *)fn->sites.items[j])->state);
    return;
  }
  static const Vec none;
  Vec mine = {0}; /* a child: its own site */
  if (s->kind == SL_CHILD && s->site)
    vec_push(&mine, s->site);
  const Vec *a = s->kind == SL_CHILD ? &mine
                 : s->group          ? map_get(&c->in_group, s->group)
                                     : NULL;
  const Vec *b = map_get(&c->own, s);
  a = a ? a : &none;
  b = b ? b : &none;
  /* both lists are in state order: merge them, testing each site once */
  for (int i = 0, j = 0; i < a->len || j < b->len;) {
    Site *x = i < a->len ? a->items[i] : NULL, *y = j < b->len ? b->items[j] : NULL;
    Site *k = !y || (x && x->state < y->state) ? x : y;
    i += k == x;
    j += k == y;
    if (live_at(s, k) || k->child == s)
      vec_push(&s->live, (void *)(intptr_t)k->state);
  }
  free(mine.items);
}

static void func_live(AsyncFunc *fn) {
  Cand c = {0};
  cand_build(&c, fn);
  for (int i = 0; i < fn->slots.len; i++)
    slot_live(&c, fn, fn->slots.items[i]);
  cand_free(&c);
}


void live_analyze(Program *p) {
  for (int i = 0; i < p->funcs.len; i++)
    func_live(p->funcs.items[i]);
}
