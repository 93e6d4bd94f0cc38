/*
 * sema.h: the async rules of DESIGN §2 checked on the AST with the oracle's
 * help (sema.c).  Errors go through diag.c; returns their number.
 */
#ifndef SEMA_H
#define SEMA_H

#include "ast.h"
#include "oracle.h"

int sema_check(Node *tu, Oracle *o);

#endif /* SEMA_H */
