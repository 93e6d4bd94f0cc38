/*
 * live.c: which frame fields are live at each suspension point (state).
 *
 * Liveness here is the scope approximation the layout is built on:
 *   - the state word and the parameters are live everywhere;
 *   - a local is live at the await sites inside its scope that come after
 *     its declaration (a loop re-enters the scope, so an earlier site in
 *     the same scope sees a fresh, dead instance);
 *   - a temporary is live at the sites of its own full expression that come
 *     after it was made (spilled operands are made before the site, an
 *     await's result after it), including the sites inside a statement
 *     expression in it, whose groups are nested in the expression's;
 *   - a child is live only in its own state;
 *   - a compound literal in the frame (lower_lit.c) is live at the sites
 *     of its scope after it is made, and at the awaits around it.
 * Fields that are never live together are exactly the ones layout.c lets
 * share storage, so `--emit=layout` can print the live set of every state
 * and the test of frame sizes compares against it.
 */
#include "ir.h"

#include <stdint.h>

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
  case SL_LOCAL:
    return inside(k->group, s->group) &&
           k->await->begin > s->decl->name_off;
  case SL_TEMP: /* a statement expression's sites are nested in it */
    return k->result == s || (inside(k->group, s->group) && k->state > s->born);
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

static void func_live(AsyncFunc *fn) {
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    s->live.len = 0;
    for (int j = 0; j < fn->sites.len; j++) {
      Site *k = fn->sites.items[j];
      if (live_at(s, k) || k->child == s)
        vec_push(&s->live, (void *)(intptr_t)k->state);
    }
  }
}


void live_analyze(Program *p) {
  for (int i = 0; i < p->funcs.len; i++)
    func_live(p->funcs.items[i]);
}
