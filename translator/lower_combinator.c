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
 *
 * This file builds the state: the combinator's site, its branches' sites,
 * their struct and the outputs.  Lowering the operands and destinations
 * is expression lowering, so lower_expr.c drives it (lower_combinator
 * there), calling these builders in turn; none of them lowers an
 * expression, and this file calls nothing of lower_expr.c.
 */
#include "lower.h"

#include <string.h>

Site *lower_combinator_open(Lower *L, Node *aw, Group **g) {
  Node *call = aw->lhs;
  Site *c = lower_new_site(L, xalloc(sizeof(Site)), aw);
  c->kind = CH_COMBINATOR;
  c->comb = combinator_kind(call);
  c->callee = combinator_name(c->comb);
  c->out_type = c->comb == CB_ALL ? "void" : "int";
  c->group = lower_expr_group(L);
  c->cleanup = lower_cleanup_live(L);
  *g = lower_new_group(lower_inner(c->group), false,
                       xformat("%s at %d:%d", c->callee, c->line, c->col));
  return c;
}

Site *lower_combinator_branch(Lower *L, Site *c, Node *arg, Group *g) {
  Site *b = xalloc(sizeof *b);
  b->parent = c;
  b->group = g;
  b->state = c->state;
  b->await = c->await;
  Loc loc = source_loc(L->src, arg->begin);
  b->line = loc.line;
  b->col = loc.col;
  return b;
}

void lower_combinator_add(Lower *L, Site *c, Site *b) {
  vec_push(&c->branches, b);
  vec_push(&L->fn->children, b);
}

/* ac_within's deadline: a sleep branch after the future, started first
   (its deadline is ac_within's first operand). */
void lower_combinator_deadline(Lower *L, Site *c, Group *g, const char *ms) {
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
  lower_combinator_add(L, c, b);
}

const char *lower_combinator_close(Lower *L, Site *c, Group *g) {
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
  return c->result ? xformat("ac__F->%s", c->result->name) : "((void)0)";
}
