/*
 * poll_value.c: which async functions return their result by value.
 *
 * A poll hands its result over through memory (`*ac__out = v`, read back
 * by the caller), so in a chain of awaits every level's value makes a
 * store and a load, one after the other (docs/lowering.md §4).  A static
 * function whose result is a number, a pointer or an enumeration gets its
 * body as `T f__run(void *self, ac_context_t *cx)` instead, which returns
 * the value in a register (a meaningless 0 while pending: its frame's
 * state word says which), and an await of it in this file calls f__run;
 * f__poll, the one of the future ABI (the vtable, spawn, combinators,
 * hand-written drivers), wraps it.  Only for a function an await of this
 * file runs inline (the others would pay for the wrapper alone), not on a
 * recursion cycle (its poll keeps only the frame pointer live across the
 * child's, recurse.c), not with a combinator's await in its body
 * (emit_combinator.c writes the generic poll's returns), and not without
 * an await: such a leaf's body costs the C compiler about what the wrapper
 * would, a function each (docs/lowering.md §4), and it is one level of a
 * chain.
 *
 * A function without an await, whose result (if any) is such a value,
 * has its body in `T f__now(params)` instead, which runs it on a frame of
 * its own C stack and returns the result; f__poll calls it with the
 * frame's parameters.  An await of it, which can never be pending, calls
 * f__now as the erasure calls f: the child's frame in the parent is not
 * written, no call takes its address, and the result comes back in a
 * register (gcc -O1 on one function with 10,000 such awaits: 9.4 -> 5.6
 * s).  Where the body names no field of the frame (its parameters are
 * only read), f__now's frame is only initialized, for a debugger, and
 * the compiler drops it.  The await still stores its state, so a debugger stopped in the
 * child finds the parent waiting on it; gdb/acc.py finds f__now's table
 * by its name and reads the frame of a C frame of f__now from its ac__f.
 * Not for a variadic function or one with parameters of variably
 * modified types (f__poll passes the frame's parameters on).
 *
 * Reads AsyncFunc.is_static, ret_scalar, on_cycle and the sites; fills
 * AsyncFunc.by_value and now.  Runs after recurse.c.
 */
#include "ir.h"

static bool returns_by_value(AsyncFunc *f) {
  if (!f->is_static || f->is_void || f->is_main || !f->ret_scalar ||
      f->on_cycle || !f->sites.len)
    return false;
  for (int i = 0; i < f->sites.len; i++)
    if (((Site *)f->sites.items[i])->kind == CH_COMBINATOR)
      return false;
  return true;
}

static bool runs_now(AsyncFunc *g) {
  if (g->sites.len || g->on_cycle || g->is_main || g->decl->is_variadic ||
      g->vm_sizes.len || !(g->is_void || g->ret_scalar))
    return false;
  for (int i = 0; i < g->params.len; i++)
    if (((Slot *)g->params.items[i])->vm_typedef)
      return false;
  return true;
}

/* Only a function some await of this file runs inline gains from it:
   the others would pay for the wrapper alone. */
void poll_value_mark(Program *p) {
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *f = p->funcs.items[i];
    f->now = runs_now(f);
    for (int j = 0; j < f->children.len; j++) {
      Site *s = f->children.items[j];
      AsyncFunc *g = s->kind == CH_FRAME ? s->child->frame : NULL;
      if (g && !s->parent && !g->by_value)
        g->by_value = returns_by_value(g);
    }
  }
}
