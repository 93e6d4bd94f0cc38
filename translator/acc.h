/*
 * acc.h: the translator's internal header for the pieces every pass uses:
 * growable strings, the arena, the preprocessed source and its position map,
 * and diagnostics.  Sections are named after the file that defines them.
 * The AST is in ast.h, the type oracle's interface in oracle.h and the
 * state-machine IR in ir.h.
 */
#ifndef ACC_H
#define ACC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ACC_VERSION "0.1.0"

#define unreachable() \
  acc_unreachable(__FILE__, __LINE__)
_Noreturn void acc_unreachable(const char *file, int line);

/* ==== util.c ==== */

/* The translator allocates from one arena and frees it at exit. */
void *xalloc(size_t n);            /* zeroed, never NULL */
void *xrealloc(void *p, size_t n); /* plain realloc that aborts on OOM */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xformat(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The whole file, NUL-terminated, its length in *len; NULL if unreadable. */
char *read_file(const char *path, size_t *len);

/* A growable byte string. */
typedef struct Str {
  char *buf;
  size_t len, cap;
} Str;

void str_add(Str *s, const char *p, size_t n);
void str_puts(Str *s, const char *p);
void str_printf(Str *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void str_vprintf(Str *s, const char *fmt, va_list ap);
const char *str_cstr(Str *s); /* NUL-terminated view, valid until next add */

/* A growable vector of pointers. */
typedef struct Vec {
  void **items;
  int len, cap;
} Vec;

void vec_push(Vec *v, void *item);

/* ==== source.c ==== */

/*
 * The preprocessed buffer that every pass reads.  Every node records byte
 * offsets into it; linemarkers written by the preprocessor map an offset back
 * to the file, line and column the user wrote.
 */
typedef struct Source {
  const char *path;  /* the .ac file as named on the command line */
  char *text;        /* the preprocessed buffer, NUL-terminated */
  size_t len;
  struct LineMark *marks; /* sorted by offset */
  int nmarks;
} Source;

typedef struct Loc {
  const char *file; /* presumed file name (from linemarkers) */
  int line, col;    /* 1-based */
  bool in_main;     /* in the .ac file itself, not an included header */
} Loc;

Source *source_new(const char *path, char *text, size_t len);
Loc source_loc(const Source *src, size_t off);
/* The original line of `loc` (read from the file on disk), for carets. */
char *source_line_text(const Loc *loc);

/* ==== pragma_pack.c ==== */

/* The `#pragma pack` value in force at an offset of the buffer: 0 for the
   default (natural alignment), else the maximum member alignment. */
int pragma_pack_at(const Source *src, size_t off);
/* Text that declares a type hoisted from offset `at`, wrapped in
   `#pragma pack(push, N)` / `#pragma pack(pop)` when a pack region held
   it, so it keeps its layout wherever it lands. */
const char *pragma_pack_wrap(const Source *src, size_t at, const char *text);

/* ==== diag.c ==== */

void diag_init(const Source *src);
void error_at(size_t off, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void warn_at(size_t off, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void note_at(size_t off, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, at an already-mapped location (libclang's diagnostics). */
void diag_at_loc(const Loc *loc, const char *kind, const char *msg);
int diag_error_count(void);

#endif /* ACC_H */
