/*
 * sema.h: the async rules of DESIGN §2 checked on the AST with the oracle's
 * help (sema.c).  Errors go through diag.c; returns their number.
 *
 * With o == NULL only the rules that need no types run (await placement,
 * async calls used as values, alloca, reserved names).  The driver's order:
 *
 *   if (sema_check(tu, NULL) == 0 && (o = oracle_open(...)) != NULL)
 *     sema_check(tu, o);   // all rules, the type-based ones included
 *
 * so a misplaced await is reported in our words, not as the C error its
 * erasure would cause.
 */
#ifndef SEMA_H
#define SEMA_H

#include "ast.h"
#include "oracle.h"

int sema_check(Node *tu, Oracle *o);

/* sema_once.c: a future variable certainly awaited again after it
   completed, in async function definition fn. */
void sema_check_awaited_once(Node *fn, Oracle *o);

#endif /* SEMA_H */
