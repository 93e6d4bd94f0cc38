/*
 * pragma.h: acc's own `#pragma acc NAME(ARGS)` lines (pragma.c), for the
 * passes that take one: the blocking-call lint (`blocking`,
 * `nonblocking`) and the frame budgets (`max_frame`).  The C output turns
 * every `#pragma acc` line into a comment (emit_c.c), so the C compiler
 * never sees one.
 */
#ifndef PRAGMA_H
#define PRAGMA_H

#include "acc.h"

typedef struct AccPragma {
  size_t off;        /* the start of its line in Source.text */
  const char *name;  /* "blocking", "max_frame", ... */
  size_t name_off;   /* where the name starts, for diagnostics */
  const char *args;  /* the text between the parentheses, or NULL */
  size_t args_off;
} AccPragma;

/* Every `#pragma acc` of the preprocessed buffer, in order (AccPragma*). */
const Vec *pragma_all(const Source *src);

/* The comma- or blank-separated words of its arguments. */
void pragma_words(const AccPragma *pr, Vec *words);

#endif /* PRAGMA_H */
