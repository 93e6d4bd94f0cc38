/*
 * lower_combinator.c: acc's combinator forms (combinator.c) as one state of
 * the caller.  Every branch's future is a child of its own kind (an inline
 * frame, a leaf, a future held in a local, ...) in a struct of the caller's
 * frame, all of them live at once; the state polls them in order and drops
 * the ones it no longer needs.  No allocation, no vtable: each poll is a
 * direct call, as for a plain await.
 *
 *   before:  switch (await ac_first(v = fetch(x), ac_sleep_ms(100))) { ... }
 *   after:   fetch__init(&ac__F->ac__c3_0, ac__F->x);          each branch starts,
 *            ac__F->ac__c3_1 = (ac_sleep_ms(100));           left to right
 *            ac__F->ac__state = 3;
 *          ac__s3:                                   (emit_combinator.c)
 *            if (fetch__poll(&ac__F->ac__c3_0, ac__cx, &ac__F->ac__t4) == AC_POLL_READY)
 *              ac__F->ac__t5 = 0;
 *            else if (ac_sleep_poll(&ac__F->ac__c3_1, ac__cx, (void *)0) == ...)
 *              ac__F->ac__t5 = 1;
 *            else
 *              return AC_POLL_PENDING;
 *            fetch__drop(&ac__F->ac__c3_0);                  every branch, once
 *            ac_sleep_drop(&ac__F->ac__c3_1);
 *            if (ac__F->ac__t5 == 0) { ac__F->v = (ac__F->ac__t4); }   the winner's output
 *            switch (ac__F->ac__t5) { ... }
 *
 * ac_all keeps a mask of the branches still running and drops each as it
 * completes; ac_within(ms, b) is ac_first(b, ac_sleep_ms(ms)) whose value
 * is 0 or AC_ETIMEDOUT.  The operands of every branch (an async call's
 * arguments, a leaf's constructor call) are evaluated when the combinator
 * starts, left to right; an await among them runs before it starts, and
 * then the operands of the branches before it are spilled first, so the
 * order is still left to right.  Branch outputs are temporaries of the
 * enclosing expression, read after the state: an await in a destination
 * (`a[await i()] = f()`) may reuse the struct of the children.
 */
#include "lower.h"

#include <string.h>

/* One branch: its site, child and output. */
static Site *branch(Lower *L, Site *c, Node *arg, Group *g) {
  Site *b = xalloc(sizeof *b);
  b->parent = c;
  b->group = g;
  b->state = c->state;
  b->await = c->await;
  Loc loc = source_loc(L->src, arg->begin);
  b->line = loc.line;
  b->col = loc.col;
  if (!lower_child(L, b, combinator_future(arg)))
    return NULL;
  vec_push(&c->branches, b);
  vec_push(&L->fn->children, b);
  return b;
}

/* ac_within's deadline: a sleep branch after the future, started first
   (its deadline is ac_within's first operand). */
static void deadline(Lower *L, Site *c, Group *g, const char *ms) {
  Site *b = xalloc(sizeof *b);
  b->parent = c;
  b->group = g;
  b->state = c->state;
  b->await = c->await;
  b->line = c->line;
  b->col = c->col;
  b->kind = CH_LEAF;
  b->callee = "ac_sleep_t";
  b->poll = "ac_sleep_poll";
  b->drop = "ac_sleep_drop";
  b->out_type = "void";
  b->child = lower_new_slot(L, g, SL_CHILD, xformat("ac__c%d_1", c->state),
                            "ac_sleep_t");
  b->child->site = c;
  b->init = xformat("ac__F->%s = ac_sleep_ms(%s);", b->child->name, ms);
  vec_push(&c->branches, b);
  vec_push(&L->fn->children, b);
}

/* The operands of the branches, left to right; false after an error. */
static bool branches(Lower *L, Site *c, Node *call, Group *g) {
  int first = combinator_first_branch(call), last = -1;
  for (int i = 0; i < call->args.len; i++)
    if (((Node *)call->args.items[i])->has_await)
      last = i;
  bool saved = L->spill_all, ok = true;
  const char *ms = NULL;
  for (int i = 0; ok && i < call->args.len; i++) {
    Node *arg = call->args.items[i];
    L->spill_all = saved || i < last;
    if (i >= first) {
      ok = branch(L, c, arg, g) != NULL;
    } else if (!L->spill_all || arg->has_await) {
      ms = lower_expr(L, arg);
    } else { /* the deadline, before an await in the future's operands */
      Slot *t = lower_new_temp(L, "unsigned long long");
      lower_store(L, t, lower_expr(L, arg));
      ms = xformat("ac__F->%s", t->name);
    }
  }
  L->spill_all = saved;
  if (ok && c->comb == CB_WITHIN)
    deadline(L, c, g, ms);
  return ok;
}

/* After the state: each destination receives its branch's output (only
   the winner's, for ac_first and ac_within). */
static void assign_outputs(Lower *L, Site *c, Node *call) {
  int first = combinator_first_branch(call);
  for (int i = first; i < call->args.len; i++) {
    Node *arg = call->args.items[i], *dest = combinator_dest(arg);
    Site *b = c->branches.items[i - first];
    if (!dest || !b->result)
      continue;
    int won = c->comb == CB_WITHIN ? 0 : i - first;
    if (c->comb != CB_ALL)
      lower_emit(L, "if (ac__F->%s == %d) {\n", c->result->name, won);
    const char *lv = lower_expr(L, dest);
    lower_emit(L, "%s %s (ac__F->%s);\n", lv, arg->op, b->result->name);
    if (c->comb != CB_ALL)
      lower_emit(L, "}\n");
  }
}

const char *lower_combinator(Lower *L, Node *aw) {
  Node *call = aw->lhs;
  Site *c = lower_new_site(L, xalloc(sizeof(Site)), aw);
  c->kind = CH_COMBINATOR;
  c->comb = combinator_kind(call);
  c->callee = combinator_name(c->comb);
  c->out_type = c->comb == CB_ALL ? "void" : "int";
  c->group = lower_expr_group(L);
  c->cleanup = lower_cleanup_live(L);
  Group *g = lower_new_group(lower_inner(c->group), false,
                             xformat("%s at %d:%d", c->callee, c->line,
                                     c->col));
  if (!branches(L, c, call, g))
    return "0";
  if (c->comb == CB_ALL) {
    c->mask = lower_new_slot(L, g, SL_TEMP, xformat("ac__m%d", c->state),
                             "unsigned long long");
    c->mask->site = c;
  }
  for (int i = 0; i < c->branches.len; i++) {
    Site *b = c->branches.items[i];
    if (strcmp(b->out_type, "void")) {
      b->result = lower_new_temp(L, b->out_type);
      b->result->site = c;
    }
  }
  if (c->comb != CB_ALL) {
    c->result = lower_new_temp(L, "int");
    c->result->site = c; /* the debug table gives its line */
  }
  Step *st = xalloc(sizeof *st);
  st->kind = ST_AWAIT;
  st->site = c;
  st->line = c->line;
  lower_flush(L);
  vec_push(&L->fn->steps, st);
  assign_outputs(L, c, call);
  return c->result ? xformat("ac__F->%s", c->result->name) : "((void)0)";
}
