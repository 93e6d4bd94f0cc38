/*
 * preprocess.h: clang's preprocessor inside acc (preprocess.cc), for
 * cpp.c: one run gives the buffer and where each of its tokens came from.
 */
#ifndef PREPROCESS_H
#define PREPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a token of the buffer came from, as clang's -dump-tokens says it:
   presumed locations; file names are shared (one pointer per name). */
typedef struct TokOrigin {
  const char *file;   /* the expansion location */
  int line, col;
  bool expanded;      /* made by a macro: it has a spelling location */
  const char *sfile;  /* the spelling location */
  int sline, scol;
  uint32_t hash, len; /* of its spelling (tokorigin_hash), to align it */
} TokOrigin;

/* FNV-1a of a token's spelling. */
static inline uint32_t tokorigin_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

typedef struct PreprocessOutput {
  char *text;         /* what `clang -E` writes, NUL-terminated (malloc) */
  size_t text_len;
  TokOrigin *origins; /* one per token the preprocessor gave, in order;
                         the end of file last (malloc) */
  int norigins;
} PreprocessOutput;

/*
 * Preprocesses as `clang ARGS...` does with argv = {"clang", ARGS...,
 * NULL}, `-E` among ARGS; clang_path is the clang whose driver rules apply
 * (its resource folder holds the builtin headers).  Diagnostics go to
 * standard error.  0 on success, 1 when clang reported an error.
 */
int preprocess_run(const char *clang_path, char *const *argv,
                   PreprocessOutput *out);

#endif /* PREPROCESS_H */
