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

#define ACC_VERSION "0.3.0"

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
/* True for a character of an identifier as the lexer reads them
   (grammar/lexer.l: letters, digits, '_' and GNU C's '$'). */
bool is_ident_char(char c);

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

/* ==== map.c ==== */

/*
 * A hash map to a pointer, keyed by a pointer ({0}) or by a string's
 * contents ({.strings = true}; the key strings must outlive the map).
 * NULL keys are not stored; map_get gives NULL for an absent key.
 */
typedef struct Map {
  const void **keys;
  void **vals;
  size_t cap, len;
  bool strings;
} Map;

void *map_get(const Map *m, const void *key);
void map_put(Map *m, const void *key, void *val);
void map_free(Map *m); /* empties it; the map can be used again */

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
  const char *ac;    /* the .ac file's own bytes, NUL-terminated, read once
                        (cpp.c); NULL if it could not be read */
  size_t ac_len;
  struct LineMark *marks; /* sorted by offset */
  int nmarks;
  Vec keywords;      /* offsets (intptr_t) of the words `async` and `await`
                        the parser took as keywords (keywords.c) */
  struct TokMap *map; /* where each token was written: source_map() */
  /* Builds the map on first use (cpp.c sets it: the token dump costs a
     clang run, which a file without output or messages does not need). */
  struct TokMap *(*load_map)(struct Source *src);
  const void *load_arg;
} Source;

typedef struct Loc {
  const char *file; /* presumed file name (from linemarkers) */
  int line, col;    /* 1-based; line presumed, col physical */
  bool in_main;     /* in the .ac file itself, not an included header */
  int text_line;    /* the physical line of the .ac to show, or 0 */
} Loc;

Source *source_new(const char *path, char *text, size_t len);
/* The token map of src (tokmap.h), built on first use. */
const struct TokMap *source_map(const Source *src);
Loc source_loc(const Source *src, size_t off);
/* Whether offset off is in the main file (not in an included header), from
   the linemarkers alone: cheaper than source_loc, which may build the map. */
bool source_in_main(const Source *src, size_t off);
/* The line of `loc` as written (the .ac's physical line, or the file on
   disk), for carets. */
char *source_line_text(const Source *src, const Loc *loc);

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
