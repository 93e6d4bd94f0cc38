/*
 * lower_copy.c: await-free code copied as the user wrote it, with what
 * must change in it: names (lower_names.c), and the nodes that are
 * rewritten (a return becomes the return sequence, a continue of a
 * reshaped loop a goto, a jump out of scopes with cleanups runs them, a
 * compound literal may live in the frame, and a case label the statement
 * before falls into gets the fallthrough attribute).
 */
#define _GNU_SOURCE /* memmem */
#include "lower.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/*
 * The return sequence.  `return x + 1;` in an async int function:
 *   before:  return x + 1;
 *   after:   { *ac__out = (ac__F->x_3 + 1); ac__F->ac__state = DONE; return AC_POLL_READY; }
 */
const char *lower_return_text(Lower *L, const char *value) {
  Str s = {0};
  str_puts(&s, "{ ");
  if (value && L->fn->is_void)
    str_printf(&s, "(void)(%s); ", value);
  else if (value && lower_assignable(L->fn->ret_type))
    str_printf(&s, "*ac__out = (%s); ", value);
  else if (value) /* a union with const members cannot be assigned */
    str_printf(&s, "{ __typeof__(*ac__out) ac__r = (%s); "
               "__builtin_memcpy((void *)ac__out, &ac__r, sizeof ac__r); } ",
               value);
  const char *cleanup = lower_cleanup_live(L);
  if (cleanup)
    str_puts(&s, cleanup);
  str_printf(&s, "ac__F->ac__state = %s; return AC_POLL_READY; }", DONE_STATE);
  return str_cstr(&s);
}

/* The label a `continue` of `loop` jumps to, if lower_stmt.c rewrote the
   loop and gave it one (new_continue_label); NULL for a plain continue. */
static const char *continue_label_of(Lower *L, Node *loop) {
  for (int i = 0; i + 1 < L->cont.len; i += 2)
    if (L->cont.items[i] == loop)
      return L->cont.items[i + 1];
  return NULL;
}

/*
 * Copies an await-free subtree as written, with the substitutions:
 *   before:  if (n > 0) return n * k;          (k a frame local)
 *   after:   if (n > 0) { *ac__out = (n * ac__F->k_4); ...; return AC_POLL_READY; }
 * The text is one copy of the node's range in the user's spelling; the
 * nodes that are rewritten (returns, continues of rewritten loops,
 * compound literals kept in the frame, case labels the statement before
 * falls into) are found first, in source order, and replace their ranges.
 */

void lower_find_rewrites(Lower *L, Node *n, Vec *rw) {
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  size_t pos = n->begin;
  for (int i = 0; i < k; i++) {
    Node *kid = kids[i];
    if (kid->begin < pos || kid->end > n->end)
      continue;
    const char *text = NULL;
    if (n->kind == ND_BLOCK && i > 0 && lower_falls_into(kids[i - 1], kid)) {
      char *copy = lower_copy_text(L, kid);
      text = xformat("__attribute__((fallthrough)); %s", copy);
      free(copy);
    } else
      text = lower_rewrite(L, kid);
    if (text) {
      NodeRewrite *r = xalloc(sizeof *r);
      *r = (NodeRewrite){kid->begin, kid->end, text};
      vec_push(rw, r);
    } else {
      lower_find_rewrites(L, kid, rw);
    }
    pos = kid->end;
  }
}

/* n's text with its descendants rewritten and names substituted. */
static void copy_node(Lower *L, Node *n, Str *out) {
  Vec rw = {0};
  lower_find_rewrites(L, n, &rw);
  lower_copy_range(L, n->begin, n->end, out, true, &rw);
  for (int i = 0; i < rw.len; i++)
    free(rw.items[i]);
  free(rw.items);
}

/* The text of a node that is not copied as written, or NULL. */
const char *lower_rewrite(Lower *L, Node *n) {
  if (n->kind == ND_RETURN) {
    char *value = n->lhs ? lower_copy_text(L, n->lhs) : NULL;
    const char *text = lower_return_text(L, value);
    free(value);
    return text;
  }
  if (n->kind == ND_BREAK || n->kind == ND_CONTINUE || n->kind == ND_GOTO) {
    const char *cleanup = lower_cleanup_jump(L, n);
    const char *label = n->kind == ND_CONTINUE && n->target
                            ? continue_label_of(L, n->target) : NULL;
    if (label)
      return xformat("{ %sgoto %s; }", cleanup ? cleanup : "", label);
    if (cleanup) {
      Str jump = {0};
      copy_node(L, n, &jump);
      return xformat("{ %s%s }", cleanup, str_cstr(&jump));
    }
  }
  if (n->kind == ND_COMPOUND_LIT) { /* maybe stored in the frame */
    Str lit = {0};
    copy_node(L, n, &lit);
    return lower_literal(L, n, lit.len ? str_cstr(&lit) : "");
  }
  return NULL;
}

void lower_copy(Lower *L, Node *n, Str *out) {
  const char *r = lower_rewrite(L, n);
  if (r)
    str_puts(out, r);
  else
    copy_node(L, n, out);
}

char *lower_copy_text(Lower *L, Node *n) {
  Str s = {0};
  lower_copy(L, n, &s);
  return (char *)str_cstr(&s);
}

void lower_emit_copy(Lower *L, const char *before, Node *n,
                     const char *after) {
  char *text = lower_copy_text(L, n);
  lower_emit(L, "%s%s%s", before, text, after);
  free(text);
}

/* Whether n holds a fallthrough attribute (`fallthrough))`, or with the
   underscores), which gcc accepts only right before a case label. */
static bool has_fallthrough_attribute(Node *n) {
  const char *t = ast_source_text() + n->begin;
  size_t len = n->end - n->begin;
  for (const char *p = memmem(t, len, "fallthrough", 11); p;
       p = memmem(p + 1, len - (size_t)(p + 1 - t), "fallthrough", 11)) {
    const char *q = p + 11;
    if (!strncmp(q, "__", 2))
      q += 2;
    while (q < t + len && (*q == ' ' || *q == '\t' || *q == '\n'))
      q++;
    if (q + 1 < t + len && q[0] == ')' && q[1] == ')')
      return true;
  }
  return false;
}

/* The preprocessor removed the user's fall-through comments; a lowered
   switch body says it with the attribute instead, before a case label that
   the previous statement can fall into. */
bool lower_falls_into(Node *prev, Node *label) {
  if (label->kind != ND_CASE && label->kind != ND_DEFAULT)
    return false;
  while (prev->kind == ND_CASE || prev->kind == ND_DEFAULT ||
         prev->kind == ND_LABEL)
    prev = prev->body;
  switch (prev->kind) {
  case ND_BREAK: case ND_CONTINUE: case ND_RETURN: case ND_GOTO:
  case ND_GOTO_INDIRECT: case ND_DECL_STMT:
    return false;
  case ND_NULL: /* the user's own __attribute__((fallthrough)); */
    return !memmem(ast_source_text() + prev->begin, prev->end - prev->begin,
                   "fallthrough", 11);
  default:
    /* `if (c) { ...; __attribute__((fallthrough)); } else break;`: the
       user's attribute must stay the last statement before the label. */
    return !has_fallthrough_attribute(prev);
  }
}

/* A block with awaits: its frame locals form a struct in the enclosing
   scope's union. */
