/*
 * diag.c: diagnostics in gcc's form.
 *
 *   file.ac:3:9: error: 'await' outside an async function
 *       3 |   x = await f();
 *         |       ^
 *
 * Errors are counted and the passes go on, so one run shows every error; the
 * driver writes output only when the count is zero.
 */
#include "acc.h"

#include <string.h>

static const Source *diag_src;
static int nerrors;

void diag_init(const Source *src) { diag_src = src; }
int diag_error_count(void) { return nerrors; }

/* The line and a caret under the column; a line too long to read is
   shown as a window around the column. */
static void show_line(const Loc *loc) {
  enum { WIDTH = 160 };
  char *text = source_line_text(diag_src, loc);
  if (!text)
    return;
  int len = (int)strlen(text), col = loc->col - 1, from = 0;
  if (col > len)
    col = len;
  if (len > WIDTH && col > WIDTH / 2)
    from = col - WIDTH / 2;
  int n = len - from > WIDTH ? WIDTH : len - from;
  fprintf(stderr, "%5d | %s%.*s%s\n      | ", loc->line, from ? "..." : "", n,
          text + from, from + n < len ? "..." : "");
  if (from)
    fputs("   ", stderr);
  for (int i = from; i < col && text[i]; i++)
    fputc(text[i] == '\t' ? '\t' : ' ', stderr);
  fputs("^\n", stderr);
}

void diag_at_loc(const Loc *loc, const char *kind, const char *msg) {
  if (!strcmp(kind, "error"))
    nerrors++;
  fprintf(stderr, "%s:%d:%d: %s: %s\n", loc->file, loc->line, loc->col, kind,
          msg);
  show_line(loc);
}

static void vdiag(size_t off, const char *kind, const char *fmt, va_list ap) {
  Str msg = {0};
  str_vprintf(&msg, fmt, ap);
  Loc loc = diag_src ? source_loc(diag_src, off)
                     : (Loc){"<input>", 0, 0, false, 0};
  diag_at_loc(&loc, kind, str_cstr(&msg));
}

#define DIAG_FN(name, kind)                                                    \
  void name(size_t off, const char *fmt, ...) {                                \
    va_list ap;                                                                \
    va_start(ap, fmt);                                                         \
    vdiag(off, kind, fmt, ap);                                                 \
    va_end(ap);                                                                \
  }

DIAG_FN(error_at, "error")
DIAG_FN(warn_at, "warning")
DIAG_FN(note_at, "note")
