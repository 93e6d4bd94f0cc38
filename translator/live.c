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
 *     await's result after it);
 *   - a child is live only in its own state.
 * Fields that are never live together are exactly the ones layout.c lets
 * share storage, so `--emit=layout` can print the live set of every state
 * and the test of frame sizes compares against it.
 */
#include "ir.h"

#include <stdint.h>
#include <string.h>

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
  case SL_TEMP:
    return k->result == s || (k->group == s->group && k->state > s->born);
  case SL_CHILD:
    return s->site == k || (s->site == NULL && k->child == s);
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


/* ==== transitions between states ==== */

/*
 * Site.succ: the states reachable from a resumed state K before the next
 * suspension (0: the function returns).  A backward walk over the body:
 * flow(n, after) is the set of states (or 0) reached first when n runs and
 * then control goes on to `after`; meeting await site K on the way records
 * succ(K) = what follows it.  Loops iterate to a fixed point; goto is not
 * followed (the sets are approximate there).  Sets are byte maps indexed
 * by state, 0 = returns.
 */
typedef struct Flow {
  AsyncFunc *fn;
  int n;                 /* number of states + 1 */
  unsigned char *brk;    /* where `break` goes in the innermost loop/switch */
  unsigned char *cont;   /* where `continue` goes */
  Vec site_of;           /* Node* await -> Site*, parallel pairs */
} Flow;

static unsigned char *set_new(Flow *f) { return xalloc((size_t)f->n); }

static unsigned char *set_or(Flow *f, const unsigned char *a,
                             const unsigned char *b) {
  unsigned char *s = set_new(f);
  for (int i = 0; i < f->n; i++)
    s[i] = a[i] | b[i];
  return s;
}

static bool set_eq(Flow *f, const unsigned char *a, const unsigned char *b) {
  return !memcmp(a, b, (size_t)f->n);
}

static Site *site_at(Flow *f, Node *aw) {
  for (int i = 0; i < f->fn->sites.len; i++) {
    Site *s = f->fn->sites.items[i];
    if (s->await == aw)
      return s;
  }
  return NULL;
}

static unsigned char *flow(Flow *f, Node *n, unsigned char *after);

static unsigned char *flow_seq(Flow *f, Node **kids, int k,
                               unsigned char *after) {
  for (int i = k - 1; i >= 0; i--)
    after = flow(f, kids[i], after);
  return after;
}

static unsigned char *flow_await(Flow *f, Node *n, unsigned char *after) {
  Site *s = site_at(f, n);
  if (!s)
    return flow(f, n->lhs, after);
  unsigned char *succ = set_new(f);
  for (int i = 0; i < s->succ.len; i++)
    succ[(intptr_t)s->succ.items[i]] = 1;
  succ = set_or(f, succ, after);
  s->succ.len = 0;
  for (int i = 0; i < f->n; i++)
    if (succ[i])
      vec_push(&s->succ, (void *)(intptr_t)i);
  unsigned char *at = set_new(f);
  at[s->state] = 1;
  return flow(f, n->lhs, at);
}

/* A loop: head = entry of one iteration, found by iterating. */
static unsigned char *flow_loop(Flow *f, Node *n, unsigned char *after) {
  unsigned char *saved_b = f->brk, *saved_c = f->cont;
  unsigned char *head = set_new(f);
  for (int round = 0; round < 8; round++) {
    unsigned char *next;
    f->brk = after;
    if (n->kind == ND_DO) {
      unsigned char *cond = flow(f, n->cond, set_or(f, head, after));
      f->cont = cond;
      next = flow(f, n->body, cond);
    } else {
      unsigned char *step = n->inc ? flow(f, n->inc, head) : head;
      f->cont = step;
      unsigned char *body = flow(f, n->body, step);
      next = n->cond ? flow(f, n->cond, set_or(f, body, after))
                     : body;
    }
    bool same = set_eq(f, head, next);
    head = next;
    if (same)
      break;
  }
  f->brk = saved_b;
  f->cont = saved_c;
  return n->kind == ND_FOR && n->init ? flow(f, n->init, head) : head;
}

static unsigned char *flow_switch(Flow *f, Node *n, unsigned char *after) {
  unsigned char *saved_b = f->brk;
  f->brk = after;
  unsigned char *targets = after; /* no case matches */
  for (int i = 0; i < n->args.len; i++)
    if (((Node *)n->args.items[i])->kind == ND_DEFAULT)
      targets = set_new(f);
  Node *body = n->body;
  unsigned char *cur = after;
  for (int i = body->args.len - 1; i >= 0; i--) {
    Node *item = body->args.items[i];
    cur = flow(f, item, cur);
    if (item->kind == ND_CASE || item->kind == ND_DEFAULT)
      targets = set_or(f, targets, cur);
  }
  f->brk = saved_b;
  return flow(f, n->cond, targets);
}

static unsigned char *flow(Flow *f, Node *n, unsigned char *after) {
  if (!n)
    return after;
  unsigned char *done;
  switch (n->kind) {
  case ND_AWAIT:
    return flow_await(f, n, after);
  case ND_LOGAND: case ND_LOGOR:
    return flow(f, n->lhs, set_or(f, after, flow(f, n->rhs, after)));
  case ND_COND: case ND_IF: {
    unsigned char *t = flow(f, n->then, after);
    unsigned char *e = n->els ? flow(f, n->els, after) : after;
    return flow(f, n->cond, set_or(f, t, e));
  }
  case ND_WHILE: case ND_DO: case ND_FOR:
    return flow_loop(f, n, after);
  case ND_SWITCH:
    return n->body->kind == ND_BLOCK ? flow_switch(f, n, after)
                                     : flow(f, n->cond, after);
  case ND_RETURN:
    done = set_new(f);
    done[0] = 1;
    return flow(f, n->lhs, done);
  case ND_BREAK:
    return f->brk ? f->brk : after;
  case ND_CONTINUE:
    return f->cont ? f->cont : after;
  default: {
    Node *kids[256];
    int k = lower_children_of(n, kids, 256);
    return flow_seq(f, kids, k, after);
  }
  }
}

static void func_succ(AsyncFunc *fn) {
  Flow f = {.fn = fn, .n = fn->sites.len + 1};
  unsigned char *done = set_new(&f);
  done[0] = 1;
  for (int round = 0; round < 2; round++) {
    unsigned char *start = flow(&f, fn->def->body, done);
    fn->start_succ.len = 0;
    for (int i = 0; i < f.n; i++)
      if (start[i])
        vec_push(&fn->start_succ, (void *)(intptr_t)i);
  }
}

void live_analyze(Program *p) {
  for (int i = 0; i < p->funcs.len; i++) {
    func_live(p->funcs.items[i]);
    func_succ(p->funcs.items[i]);
  }
}
