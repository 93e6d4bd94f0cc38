/*
 * lint.h: warnings about code that is valid but wrong in async bodies
 * (lint_blocking.c).  They run after sema, on a well-formed tree.
 */
#ifndef LINT_H
#define LINT_H

#include "ast.h"

/* -Wblocking: warns (or, with werror, reports an error) at every call in
   an async body to a function that blocks its thread; returns how many. */
int lint_blocking(const Source *src, Node *tu, bool werror);

#endif /* LINT_H */
