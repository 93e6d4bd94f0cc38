/*
 * combinator.c: what every pass needs to know about acc's combinator
 * forms, the typed select, join and timeout of `.ac` code
 * (docs/language.md, "Combinators"):
 *
 *   int w = await ac_first(v = fetch(1), ac_sleep_ms(100));  (select)
 *   await ac_all(a = fetch(1), b = count(2));                 (join)
 *   int r = await ac_within(100, v = fetch(1));               (timeout)
 *
 * Each is a call of a name that ac.h declares only while acc reads the
 * file (__ACC__), always awaited directly.  Its arguments are branches: a
 * future, or `LVALUE = future` (any assignment operator) to receive the
 * future's output; ac_within's first argument is the deadline in ms.
 * sema.c checks them, oracle.c types each branch's future as an await
 * operand, and lower_combinator.c runs them inline in the caller's frame.
 */
#include "ast.h"

#include <string.h>

static const struct {
  const char *name;
  CombKind kind;
} forms[] = {
    {"ac_first", CB_FIRST},
    {"ac_all", CB_ALL},
    {"ac_within", CB_WITHIN},
};

CombKind combinator_kind(const Node *call) {
  if (!call || call->kind != ND_CALL || call->lhs->kind != ND_IDENT)
    return CB_NONE;
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
    if (!strcmp(call->lhs->name, forms[i].name))
      return forms[i].kind;
  return CB_NONE;
}

const char *combinator_name(CombKind k) {
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
    if (forms[i].kind == k)
      return forms[i].name;
  return "?";
}

int combinator_first_branch(const Node *call) {
  return combinator_kind(call) == CB_WITHIN ? 1 : 0;
}

Node *combinator_future(Node *branch) {
  return branch->kind == ND_ASSIGN ? branch->rhs : branch;
}

Node *combinator_dest(Node *branch) {
  return branch->kind == ND_ASSIGN ? branch->lhs : NULL;
}
