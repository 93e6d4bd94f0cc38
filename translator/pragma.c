/*
 * pragma.c: acc's own pragmas, `#pragma acc NAME(ARGS)`, read from the
 * preprocessed buffer.  The lexer skips `#` lines (source.c reads the
 * linemarkers among them), so the passes that take a pragma ask here:
 * each one is found once, with its offset (for diagnostics and for "the
 * next async function after it") and the text between its parentheses.
 * `_Pragma("acc ...")` reaches us as a `#pragma` line too: the
 * preprocessor turns one into the other.
 */
#include "pragma.h"

#include <string.h>

static const char *skip_blanks(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static bool ident_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* `#pragma acc NAME(ARGS)` at the start of a line, or NULL. */
static AccPragma *read_pragma(const char *text, const char *line,
                              const char *eol) {
  const char *p = skip_blanks(line);
  if (*p != '#')
    return NULL;
  p = skip_blanks(p + 1);
  if (strncmp(p, "pragma", 6) || ident_char(p[6]))
    return NULL;
  p = skip_blanks(p + 6);
  if (strncmp(p, "acc", 3) || ident_char(p[3]))
    return NULL;
  p = skip_blanks(p + 3);
  const char *name = p;
  while (p < eol && ident_char(*p))
    p++;
  AccPragma *pr = xalloc(sizeof *pr);
  pr->off = (size_t)(line - text);
  pr->name_off = (size_t)(name - text);
  pr->name = xstrndup(name, (size_t)(p - name));
  p = skip_blanks(p);
  if (p < eol && *p == '(') {
    const char *close = eol;
    while (close > p && close[-1] != ')')
      close--;
    if (close > p + 1) {
      pr->args = xstrndup(p + 1, (size_t)(close - 1 - (p + 1)));
      pr->args_off = (size_t)(p + 1 - text);
    }
  }
  return pr;
}

const Vec *pragma_all(const Source *src) {
  static Vec all;
  static const Source *done;
  if (done == src)
    return &all;
  done = src;
  all = (Vec){0};
  const char *text = src->text;
  for (const char *line = text; line && *line;) {
    const char *eol = strchr(line, '\n');
    if (!eol)
      eol = line + strlen(line);
    AccPragma *pr = read_pragma(text, line, eol);
    if (pr)
      vec_push(&all, pr);
    line = *eol ? eol + 1 : NULL;
  }
  return &all;
}

void pragma_words(const AccPragma *pr, Vec *words) {
  if (!pr->args)
    return;
  const char *p = pr->args;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *w = p;
    while (*p && *p != ',' && *p != ' ' && *p != '\t')
      p++;
    if (p > w)
      vec_push(words, xstrndup(w, (size_t)(p - w)));
  }
}
