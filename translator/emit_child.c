/*
 * emit_child.c: how the generated poll and drop reach the child of an
 * await site, for emit_c.c (a plain await) and emit_combinator.c (each
 * branch of a combinator): by address when the frame holds it inline, by
 * the pointer the frame holds otherwise, and which children are heap
 * frames the parent frees.
 */
#include "ir.h"

/* The child is a heap frame the parent frees: boxed, of another TU, or a
   stored future of another TU. */
bool emit_owns_heap(Site *s) {
  return s->kind == CH_BOXED || s->kind == CH_EXTERN ||
         (s->kind == CH_PLACE && s->child->kind == SL_LOCAL);
}

const char *emit_child_ref(Site *s) {
  return s->kind == CH_BOXED || s->kind == CH_EXTERN || s->kind == CH_PLACE
             ? xformat("ac__F->%s", s->child->name)
             : xformat("&ac__F->%s", s->child->name);
}
