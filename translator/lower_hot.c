/*
 * lower_hot.c: the loops f__poll holds a copy of (ir.h, HotLoop).
 *
 * A task suspended in `for (...) { await ac_yield_now(); n++; }` resumes
 * there thousands of times, and each resumption runs a few instructions of
 * the loop; but the poll function holds the whole body, whose calls make
 * the C compiler save callee-saved registers at its entry and restore them
 * at every return, and keep values in them that each resumption reloads.
 * A loop that calls nothing but its awaits' hand-written futures is copied
 * into f__poll, which jumps into the copy when the frame stopped at one of
 * its awaits and tail-calls f__poll_cold (the whole body) otherwise, or
 * when the copy leaves the loop.  The copy is the same text as the loop in
 * f__poll_cold, so it behaves the same; what makes a loop fit is only
 * whether it can be copied (no labels, no statics, nothing declared at
 * file scope by it) and whether the copy pays (no calls, short).
 * docs/lowering.md §4 "Hot loops".
 */
#include "lower.h"

#include <string.h>

/* Longer loops gain nothing more from the copy and cost the C compiler
   twice: bytes of the .ac text. */
enum { HOT_MAX_BYTES = 2048 };

static bool inside(Node *n, Node *loop) {
  return n && n->begin >= loop->begin && n->end <= loop->end;
}

static bool builtin_call(Node *n) {
  return n->lhs->kind == ND_IDENT && n->lhs->name &&
         !strncmp(n->lhs->name, "__builtin_", 10);
}

/* A declaration the copy may repeat: an automatic object with no tag
   defined in its specifiers (a static would be two objects, a tag two
   types) and no variable size. */
static bool copyable_decl(Node *n) {
  DeclSpec *sp = n->spec;
  if (sp && (sp->storage == SC_STATIC || sp->storage == SC_EXTERN ||
             sp->storage == SC_TYPEDEF || sp->is_thread_local ||
             sp->tags.len))
    return false;
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    if (d->kind != DK_VAR || d->is_vla)
      return false;
  }
  return true;
}

/* Walks a subtree (the kinds of children of lower_children). */
typedef bool Visit(Lower *L, Node *n, Node *loop, bool operand);

static bool kids(Lower *L, Node *n, Node *loop, bool operand, Visit *v) {
  Node *one[] = {n->lhs, n->rhs, n->cond, n->then, n->els, n->init, n->inc,
                 n->body};
  for (size_t i = 0; i < sizeof one / sizeof *one; i++)
    if (one[i] && !v(L, one[i], loop, operand))
      return false;
  for (int i = 0; i < n->args.len; i++)
    if (!v(L, n->args.items[i], loop, operand))
      return false;
  for (int i = 0; i < n->decls.len; i++) {
    Node *init = ((Decl *)n->decls.items[i])->init;
    if (init && !v(L, init, loop, operand))
      return false;
  }
  return true;
}

/* The body declares only objects with automatic storage: no name but
   those of its objects (which the copy reaches through the frame or
   declares itself) is seen in one function and not the other. */
static bool plain_decls(Lower *L, Node *n, Node *loop, bool operand) {
  if (n->kind == ND_DECL_STMT && !copyable_decl(n))
    return false;
  return kids(L, n, loop, operand, plain_decls);
}

/* A local of the body declared before the loop that is not in the frame:
   a name f__poll does not have. */
static bool outside_local(Lower *L, Node *n, Node *loop) {
  Decl *d = n->decl;
  return d && d->is_local && !d->is_param &&
         (d->name_off < loop->begin || d->name_off >= loop->end) &&
         !lower_slot_of(L, d);
}

/* operand: inside an await's operand, whose calls start the future. */
static bool fits(Lower *L, Node *n, Node *loop, bool operand) {
  switch (n->kind) {
  case ND_IDENT:
    if (outside_local(L, n, loop))
      return false;
    break;
  case ND_CALL:
    if (!operand && !builtin_call(n))
      return false;
    break;
  case ND_AWAIT:
    operand = true;
    break;
  case ND_GOTO: case ND_GOTO_INDIRECT: case ND_LABEL: case ND_LABEL_ADDR:
  case ND_ASM: case ND_STMT_EXPR: case ND_COMPOUND_LIT:
    return false;
  case ND_CASE: case ND_DEFAULT: /* of a switch inside the loop only */
    if (!inside(n->target, loop))
      return false;
    break;
  case ND_DECL_STMT:
    if (!copyable_decl(n))
      return false;
    break;
  default:
    break;
  }
  return kids(L, n, loop, operand, fits);
}

bool lower_hot_begin(Lower *L, Node *loop, HotLoop *h) {
  if (!L->hot_decls) {
    Node *body = L->fn->def->body;
    L->hot_decls = plain_decls(L, body, body, false) ? 1 : -1;
  }
  if (L->in_hot || L->hot_decls < 0 || !loop->has_await ||
      loop->end - loop->begin > HOT_MAX_BYTES ||
      lower_has_cleanup(L, loop) || !fits(L, loop, loop, false))
    return false;
  lower_flush(L);
  h->first = L->fn->steps.len;
  h->site_first = L->fn->sites.len;
  h->last = h->site_last = -1;
  L->in_hot_children = L->fn->children.len;
  L->in_hot = true;
  return true;
}

/* Its awaits are hand-written futures polled in place (an async
   function's poll or a pointer's is a call the copy would not avoid). */
static bool leaf_children(Lower *L) {
  for (int i = L->in_hot_children; i < L->fn->children.len; i++) {
    Site *s = L->fn->children.items[i];
    if (s->kind != CH_LEAF || site_is_dyn(s) || s->parent)
      return false;
  }
  return true;
}

void lower_hot_end(Lower *L, HotLoop *h) {
  L->in_hot = false;
  lower_flush(L);
  h->last = L->fn->steps.len;
  h->site_last = L->fn->sites.len;
  if (h->site_last == h->site_first || !leaf_children(L))
    return;
  for (int i = h->site_first; i < h->site_last; i++)
    if (((Site *)L->fn->sites.items[i])->kind != CH_LEAF)
      return;
  HotLoop *keep = xalloc(sizeof *keep);
  *keep = *h;
  Step *st = xalloc(sizeof *st);
  st->kind = ST_HOT_EXIT;
  st->line = L->fn->hot.len;
  vec_push(&L->fn->hot, keep);
  vec_push(&L->fn->steps, st);
}
