/*
 * translate.c: acc_translate, the pass pipeline:
 *   cpp -> parse -> sema (rules without types) -> oracle (+ its type
 *   check) -> sema (all rules) -> lower -> recurse -> live -> layout (views
 *   only) -> emit.
 * Each pass reports its errors through diag.c; we stop after the first pass
 * that had any, so later passes only ever see a well-formed input.
 */
#include "cli.h"
#include "ir.h"
#include "sema.h"
#include "options.h"
#include "oracle.h"

#include <string.h>

/* The clang arguments of the oracle: the user's -std=, if any. */
static int oracle_args(const Options *opt, const char **args) {
  int n = 0;
  if (opt->std)
    args[n++] = xformat("-std=%s", opt->std);
  return n;
}

static bool word_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The offset in `text` (the .ac file) of the start of `line`, or len. */
static size_t line_start(const char *text, size_t len, int line) {
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    l += text[i] == '\n';
  return i;
}

static bool is_word_at(const char *text, size_t len, size_t at) {
  return at + 5 <= len && (!memcmp(text + at, "async", 5) ||
                           !memcmp(text + at, "await", 5)) &&
         (at == 0 || !word_char(text[at - 1])) &&
         (at + 5 == len || !word_char(text[at + 5]));
}

/* The n-th (from 0) word async or await in [b, e), or `none`. */
static size_t nth_word(const char *text, size_t b, size_t e, int n,
                       size_t none) {
  for (size_t i = b; i + 5 <= e; i++)
    if (is_word_at(text, e, i) && n-- == 0)
      return i;
  return none;
}

/* The .ac offset of the keyword at buffer offset `off`: the same
   occurrence of the word on its line of the .ac file (macros may change
   the line's length, not which of the two words it holds). */
static size_t keyword_in_ac(Source *src, size_t off, const char *text,
                            size_t len) {
  Loc loc = source_loc(src, off);
  if (!loc.in_main)
    return len;
  size_t bl = off;
  while (bl > 0 && src->text[bl - 1] != '\n')
    bl--;
  int n = 0;
  for (size_t i = bl; i < off; i++)
    n += is_word_at(src->text, src->len, i);
  size_t b = line_start(text, len, loc.line), e = b;
  while (e < len && text[e] != '\n')
    e++;
  return nth_word(text, b, e, n, len);
}

/* A macro may expand to `await E` or to `async T f(...)`: in #define lines
   the words are erased where the keyword reading is possible (followed by
   an operand, or by more specifiers). */
static void erase_in_defines(char *text) {
  for (char *line = text; line && *line;) {
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    char *eol = strchr(line, '\n');
    while (eol && eol > line && eol[-1] == '\\') /* spliced lines */
      eol = strchr(eol + 1, '\n');
    if (*p == '#' && strstr(p, "define") && (!eol || strstr(p, "define") < eol))
      for (char *q = p; *q && q != eol; q++)
        if ((!strncmp(q, "await", 5) || !strncmp(q, "async", 5)) &&
            !word_char(q[-1]) && !word_char(q[5]) && q[-1] != '.' &&
            q[-1] != '>') {
          char *r = q + 5;
          while (*r == ' ' || *r == '\t')
            r++;
          if (word_char(*r) || *r == '(' || *r == '*' || *r == '&' ||
              *r == '!' || *r == '~' || *r == '-' || *r == '+')
            memset(q, ' ', 5);
        }
    line = eol ? eol + 1 : NULL;
  }
}

/* --emit=sync: the .ac file with the keywords the parser found blanked. */
static int emit_sync(const Options *opt, Source *src, Str *out) {
  size_t len;
  char *text = read_file(opt->input, &len);
  if (!text)
    return 1;
  Vec at = {0}; /* found first, blanked after: blanks move no count */
  for (int i = 0; i < src->keywords.len; i++)
    vec_push(&at, (void *)(intptr_t)keyword_in_ac(
                      src, (size_t)(intptr_t)src->keywords.items[i], text,
                      len));
  for (int i = 0; i < at.len; i++)
    if ((size_t)(intptr_t)at.items[i] < len)
      memset(text + (size_t)(intptr_t)at.items[i], ' ', 5);
  erase_in_defines(text);
  str_add(out, text, len);
  return 0;
}

/* The file the C output goes to, named in the #line directives of the
   generated scaffolding: -o's, or the default FILE.c beside the input. */
static const char *output_name(const Options *opt) {
  if (opt->output && strcmp(opt->output, "-"))
    return opt->output;
  size_t n = strlen(opt->input);
  if (n > 3 && !strcmp(opt->input + n - 3, ".ac"))
    return xformat("%.*s.c", (int)(n - 3), opt->input);
  return xformat("%s.c", opt->input);
}

static void emit_view(Program *p, const Options *opt, Str *out) {
  bool no_line = opt->no_line;
  switch (opt->emit) {
  case EMIT_C:
    emit_c(p, output_name(opt), no_line, out);
    break;
  case EMIT_LAYOUT:
    layout_program(p);
    emit_layout(p, out);
    break;
  case EMIT_DOT:
    layout_program(p);
    emit_dot(p, out);
    break;
  case EMIT_JSON:
    layout_program(p);
    emit_json(p, out);
    break;
  default: /* EMIT_STATES */
    emit_states(p, out);
    break;
  }
}

int acc_translate(const Options *opt, Str *out) {
  Source *src = cpp_run(opt);
  if (!src)
    return 1;
  diag_init(src);
  Node *tu = parse_translation_unit(src);
  if (!tu || diag_error_count())
    return 1;
  if (opt->emit == EMIT_SYNC)
    return emit_sync(opt, src, out);
  const char *args[4];
  int nargs = oracle_args(opt, args);
  /* The async rules first, without types, so a misplaced await is
     reported in our words before libclang says what its erasure means;
     then the rules that need types. */
  if (sema_check(tu, NULL))
    return 1;
  Oracle *o = oracle_open(src, args, nargs);
  if (!o || diag_error_count() || sema_check(tu, o))
    return 1;
  Program *p = lower_program(src, o, tu);
  p->clang_args = args;
  p->nclang_args = nargs;
  if (diag_error_count())
    return 1;
  recurse_mark(p);
  live_analyze(p);
  if (diag_error_count())
    return 1;
  if (!opt->syntax_only)
    emit_view(p, opt, out);
  oracle_close(o);
  return diag_error_count() ? 1 : 0;
}
