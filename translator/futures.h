/*
 * futures.h: which async function's future an expression holds
 * (futures.c), and how declarations write future types (future_types.c),
 * for the parser, sema and the lowering.
 */
#ifndef FUTURES_H
#define FUTURES_H

#include "ast.h"
#include "oracle.h"

/* The async function a call calls (a future is made), or NULL. */
Decl *async_callee(const Node *call);
/* The async function whose future type the specifiers name:
   `__typeof__(f(...))`, `f__frame`, a typedef of either; or NULL. */
Decl *future_spec(const DeclSpec *spec);
/* The async function whose future the expression is (a call, a variable,
   an element, a member, a result of a function returning one), or NULL.
   The oracle, if given, resolves struct members. */
Decl *future_of(const Node *e, Oracle *o);

#endif /* FUTURES_H */
