/*
 * transitions.c: the pass that finds the edges of each async function's
 * state diagram (AsyncFunc.next), which the views show: from Start and from
 * each await site, the await sites that can come next without passing
 * another await, and whether the function can return from there (Done).
 *
 * A flow over the function's AST carries the set of states execution may
 * have come from since the last await.  At an await, each of those states
 * gains an edge to the await's state, and the set becomes just that state;
 * at a `return` or the end of the body, each gains an edge to Done.  The
 * operands of && || ?: are optional paths (the set after them is the union
 * of both ways); loops run to a fixed point; break, continue and case
 * labels move sets to where they lead; a goto adds its set to its label,
 * and the whole function is walked again until no label's set grows.
 *
 *   async int f(void) {            Start -> 1
 *     int x = await a();           1 -> 2, 1 -> 3
 *     while (x--) await b();       2 -> 2, 2 -> 3
 *     return await c();            3 -> Done
 *   }
 *
 * Evaluation order inside an expression is taken left to right, as the
 * lowering sequences it.  Unevaluated operands (sizeof, _Alignof) are
 * skipped.  An indirect goto may reach any label.
 */
#include "ir.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A set of states 0..n+1 (n await sites; n+1 is Done): the states in
   ascending order.  Sets are small (the states since the last await), so
   a sorted array keeps the walk linear in the size of the function where a
   bitmap per set would make it quadratic in its awaits.  A Set is a handle:
   copies of it share the one body that set_add grows. */
typedef struct SetBody {
  int *v;
  int n, cap;
} SetBody;

typedef struct Set {
  SetBody *b;
} Set;

/* A loop or switch being walked: where break and continue sets go. */
typedef struct Ctx {
  Node *node;
  Set brk, cont;
  Set cases; /* switch: the set at the controlling expression */
  struct Ctx *up;
} Ctx;

typedef struct Flow {
  AsyncFunc *f;
  int nstates;      /* n + 2 */
  Map edge;         /* from * nstates + to + 1 -> itself: edges seen */
  Vec *succ;        /* per state: its successors (int), as found */
  Map state_of;     /* ND_AWAIT -> its state (int) */
  Map label_of;     /* ND_LABEL -> its Set* */
  Vec labels;       /* Node*: labels met, with their sets in label_sets */
  Vec label_sets;   /* Set* */
  bool changed;     /* a label's set grew during this walk */
  Ctx *ctx;
  Vec made;         /* SetBody*: every set of the walk, freed after it */
} Flow;

static Set set_new(Flow *fl) {
  SetBody *b = xalloc(sizeof(SetBody));
  vec_push(&fl->made, b);
  return (Set){b};
}

static Set set_one(Flow *fl, int state) {
  Set s = set_new(fl);
  s.b->v = xalloc(sizeof(int));
  s.b->v[0] = state;
  s.b->n = s.b->cap = 1;
  return s;
}

static Set set_copy(Flow *fl, Set a) {
  Set s = set_new(fl);
  if (a.b->n) {
    s.b->v = xalloc(sizeof(int) * (size_t)a.b->n);
    memcpy(s.b->v, a.b->v, sizeof(int) * (size_t)a.b->n);
    s.b->n = s.b->cap = a.b->n;
  }
  return s;
}

/* a |= b; true if a grew. */
static bool set_add(Flow *fl, Set a, Set b) {
  (void)fl;
  SetBody *x = a.b, *y = b.b;
  int extra = 0;
  for (int i = 0, j = 0; j < y->n; j++) {
    while (i < x->n && x->v[i] < y->v[j])
      i++;
    extra += i == x->n || x->v[i] != y->v[j];
  }
  if (!extra)
    return false;
  int *v = xalloc(sizeof(int) * (size_t)(x->n + extra)), k = 0;
  for (int i = 0, j = 0; i < x->n || j < y->n;) {
    if (j == y->n || (i < x->n && x->v[i] < y->v[j]))
      v[k++] = x->v[i++];
    else if (i == x->n || y->v[j] < x->v[i])
      v[k++] = y->v[j++];
    else {
      v[k++] = x->v[i++];
      j++;
    }
  }
  free(x->v);
  x->v = v;
  x->n = x->cap = k;
  return true;
}

static void edges_to(Flow *fl, Set from, int to) {
  for (int i = 0; i < from.b->n; i++) {
    int f = from.b->v[i];
    void *key = (void *)(uintptr_t)((size_t)f * (size_t)fl->nstates + (size_t)to + 1);
    if (!map_get(&fl->edge, key)) {
      map_put(&fl->edge, key, key);
      vec_push(&fl->succ[f], (void *)(intptr_t)to);
    }
  }
}

static Set *label_set(Flow *fl, Node *label) {
  Set *s = map_get(&fl->label_of, label);
  if (s)
    return s;
  s = xalloc(sizeof *s);
  *s = set_new(fl);
  map_put(&fl->label_of, label, s);
  vec_push(&fl->labels, label);
  vec_push(&fl->label_sets, s);
  return s;
}

static Ctx *find_ctx(Flow *fl, Node *target) {
  for (Ctx *c = fl->ctx; c; c = c->up)
    if (c->node == target)
      return c;
  return NULL;
}

static int site_state(Flow *fl, Node *await) {
  intptr_t state = (intptr_t)map_get(&fl->state_of, await);
  return state ? (int)state : -1;
}

static Set stmt(Flow *fl, Node *n, Set in);

/* ==== expressions ==== */

static Set expr(Flow *fl, Node *n, Set in) {
  if (!n || !n->has_await)
    return in;
  switch (n->kind) {
  case ND_AWAIT: {
    Set s = expr(fl, n->lhs, in);
    int state = site_state(fl, n);
    if (state < 0)
      return s;
    edges_to(fl, s, state);
    return set_one(fl, state);
  }
  case ND_LOGAND:
  case ND_LOGOR: {
    Set a = expr(fl, n->lhs, in);
    Set out = set_copy(fl, a);
    set_add(fl, out, expr(fl, n->rhs, a));
    return out;
  }
  case ND_COND: {
    Set c = expr(fl, n->cond, in);
    Set out = n->then ? expr(fl, n->then, c) : set_copy(fl, c);
    set_add(fl, out, expr(fl, n->els, c));
    return out;
  }
  case ND_GENERIC: { /* one association is evaluated */
    Set out = set_new(fl);
    for (int i = 0; i < n->args.len; i++)
      set_add(fl, out, expr(fl, n->args.items[i], in));
    return n->args.len ? out : in;
  }
  case ND_SIZEOF_EXPR:
  case ND_ALIGNOF_EXPR:
    return in;
  case ND_STMT_EXPR:
    return stmt(fl, n->body, in);
  default: {
    Set s = expr(fl, n->lhs, in);
    s = expr(fl, n->rhs, s);
    s = expr(fl, n->init, s);
    for (int i = 0; i < n->args.len; i++)
      s = expr(fl, n->args.items[i], s);
    return s;
  }
  }
}

/* ==== statements ==== */

static Set decls(Flow *fl, Node *n, Set in) {
  for (int i = 0; i < n->decls.len; i++)
    in = expr(fl, ((Decl *)n->decls.items[i])->init, in);
  return in;
}

/* Runs a loop body to a fixed point.  `top` is the set at the loop's
   head; `step` evaluates one trip from the head and returns the set that
   goes back to it. */
typedef Set (*Trip)(Flow *fl, Node *loop, Set head, Ctx *ctx, Set *exit);

static Set trip_while(Flow *fl, Node *n, Set head, Ctx *c, Set *exit) {
  Set s = expr(fl, n->cond, head);
  set_add(fl, *exit, s);
  Set end = stmt(fl, n->body, s);
  set_add(fl, end, c->cont);
  return end;
}

static Set trip_do(Flow *fl, Node *n, Set head, Ctx *c, Set *exit) {
  Set end = stmt(fl, n->body, head);
  set_add(fl, end, c->cont);
  Set s = expr(fl, n->cond, end);
  set_add(fl, *exit, s);
  return s;
}

static Set trip_for(Flow *fl, Node *n, Set head, Ctx *c, Set *exit) {
  Set s = expr(fl, n->cond, head);
  if (n->cond)
    set_add(fl, *exit, s);
  Set end = stmt(fl, n->body, s);
  set_add(fl, end, c->cont);
  return expr(fl, n->inc, end);
}

static Set loop(Flow *fl, Node *n, Set in, Trip trip) {
  Ctx c = {n, set_new(fl), set_new(fl), {0}, fl->ctx};
  fl->ctx = &c;
  Set head = set_copy(fl, in), exit = set_new(fl);
  while (set_add(fl, head, trip(fl, n, head, &c, &exit)))
    ;
  fl->ctx = c.up;
  set_add(fl, exit, c.brk);
  return exit;
}

static Set switch_stmt(Flow *fl, Node *n, Set in) {
  Ctx c = {n, set_new(fl), set_new(fl), expr(fl, n->cond, in), fl->ctx};
  fl->ctx = &c;
  Set out = stmt(fl, n->body, set_new(fl));
  fl->ctx = c.up;
  set_add(fl, out, c.brk);
  bool has_default = false;
  for (int i = 0; i < n->args.len; i++)
    has_default |= ((Node *)n->args.items[i])->kind == ND_DEFAULT;
  if (!has_default)
    set_add(fl, out, c.cases);
  return out;
}

static Set jump(Flow *fl, Node *n, Set in) {
  Ctx *c = find_ctx(fl, n->target);
  if (c)
    set_add(fl, n->kind == ND_BREAK ? c->brk : c->cont, in);
  return set_new(fl);
}

static Set go(Flow *fl, Node *n, Set in) {
  if (n->kind == ND_GOTO && n->target) {
    fl->changed |= set_add(fl, *label_set(fl, n->target), in);
  } else { /* goto *p: any label */
    in = expr(fl, n->lhs, in);
    for (int i = 0; i < fl->labels.len; i++)
      fl->changed |= set_add(fl, *(Set *)fl->label_sets.items[i], in);
  }
  return set_new(fl);
}

static Set stmt(Flow *fl, Node *n, Set in) {
  if (!n)
    return in;
  switch (n->kind) {
  case ND_BLOCK:
    for (int i = 0; i < n->args.len; i++)
      in = stmt(fl, n->args.items[i], in);
    return in;
  case ND_DECL_STMT:
    return decls(fl, n, in);
  case ND_EXPR_STMT:
    return expr(fl, n->lhs, in);
  case ND_IF: {
    Set c = expr(fl, n->cond, in);
    Set out = stmt(fl, n->then, c);
    Set other = n->els ? stmt(fl, n->els, c) : c;
    Set both = set_copy(fl, out);
    set_add(fl, both, other);
    return both;
  }
  case ND_WHILE:
    return loop(fl, n, in, trip_while);
  case ND_DO:
    return loop(fl, n, in, trip_do);
  case ND_FOR:
    return loop(fl, n, stmt(fl, n->init, in), trip_for);
  case ND_SWITCH:
    return switch_stmt(fl, n, in);
  case ND_CASE:
  case ND_DEFAULT: {
    Ctx *c = find_ctx(fl, n->target);
    Set s = set_copy(fl, in);
    if (c)
      set_add(fl, s, c->cases);
    return stmt(fl, n->body, s);
  }
  case ND_LABEL: {
    Set s = set_copy(fl, in);
    set_add(fl, s, *label_set(fl, n));
    return stmt(fl, n->body, s);
  }
  case ND_GOTO:
  case ND_GOTO_INDIRECT:
    return go(fl, n, in);
  case ND_BREAK:
  case ND_CONTINUE:
    return jump(fl, n, in);
  case ND_RETURN:
    edges_to(fl, expr(fl, n->lhs, in), fl->nstates - 1);
    return set_new(fl);
  default:
    return expr(fl, n, in);
  }
}

/* ==== the edges of one function ==== */

static int by_state(const void *a, const void *b) {
  intptr_t x = (intptr_t) * (void *const *)a, y = (intptr_t) * (void *const *)b;
  return (x > y) - (x < y);
}

static void func_edges(AsyncFunc *f) {
  Flow fl = {.f = f, .nstates = f->sites.len + 2};
  fl.succ = xalloc(sizeof(Vec) * (size_t)fl.nstates);
  for (int i = 0; i < f->sites.len; i++) {
    Site *s = f->sites.items[i];
    map_put(&fl.state_of, s->await, (void *)(intptr_t)s->state);
  }
  Node *body = f->def ? f->def->body : NULL;
  do {
    fl.changed = false;
    edges_to(&fl, stmt(&fl, body, set_one(&fl, 0)), fl.nstates - 1);
  } while (fl.changed);
  for (int i = 0; i < fl.nstates; i++)
    if (fl.succ[i].len > 1) /* qsort's base may not be NULL, even for 0 */
      qsort(fl.succ[i].items, (size_t)fl.succ[i].len, sizeof(void *), by_state);
  map_free(&fl.edge);
  map_free(&fl.state_of);
  map_free(&fl.label_of);
  /* the sets: a few for every statement and await, of every function */
  for (int i = 0; i < fl.made.len; i++) {
    SetBody *b = fl.made.items[i];
    free(b->v);
    free(b);
  }
  free(fl.made.items);
  for (int i = 0; i < fl.label_sets.len; i++)
    free(fl.label_sets.items[i]);
  free(fl.labels.items);
  free(fl.label_sets.items);
  f->next = fl.succ;
}

void transitions_analyze(Program *p) {
  for (int i = 0; i < p->funcs.len; i++)
    func_edges(p->funcs.items[i]);
}
