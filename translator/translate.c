/*
 * translate.c: acc_translate, the pass pipeline:
 *   cpp -> parse -> sema (rules without types) -> oracle (+ its type
 *   check) -> sema (all rules) -> lint (warnings) -> lower -> recurse -> live
 *   -> transitions -> layout (views only) -> emit.
 * Each pass reports its errors through diag.c; we stop after the first pass
 * that had any, so later passes only ever see a well-formed input.
 */
#include "ir.h"
#include "lint.h"
#include "live_locals.h"
#include "sema.h"
#include "options.h"
#include "oracle.h"
#include "tokmap.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* The clang arguments of the oracle: the user's -std=, if any. */
static int oracle_args(const Options *opt, const char **args) {
  int n = 0;
  if (opt->std)
    args[n++] = xformat("-std=%s", opt->std);
  return n;
}


/* Blanks the letters of the word at [b, e) of the .ac, keeping line
   splices, so lines stay where they are. */
static void blank_word(char *text, size_t b, size_t e) {
  for (size_t i = b; i < e; i++)
    if (text[i] != '\\' && text[i] != '\n' && text[i] != '\r')
      text[i] = ' ';
}

/* Where the keyword at buffer offset `off` is written in the .ac: the
   token itself, or an argument of a macro invocation; false when a macro's
   definition spells it (erase_in_defines takes those). */
static bool keyword_in_ac(const TokMap *m, size_t off, size_t *b, size_t *e) {
  int k = tokmap_find(m, off);
  if (k < 0 || m->toks[k].begin != off || m->toks[k].unit < 0)
    return false;
  const MapTok *t = &m->toks[k];
  const TokUnit *u = &m->units[t->unit];
  size_t spell_end;
  *b = u->is_macro ? tokmap_spell(m, k, &spell_end) : u->ac_begin;
  if (*b == TOKMAP_NONE)
    return false;
  *e = u->is_macro ? *b + 5 : u->ac_end;
  for (size_t i = *b; u->is_macro && i < *e && i < m->ac_len; i++)
    if (m->ac[i] == '\\') /* a splice inside the word */
      *e += m->ac[i + 1] == '\r' ? 3 : 2;
  return *e <= m->ac_len;
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
            !is_ident_char(q[-1]) && !is_ident_char(q[5]) && q[-1] != '.' &&
            q[-1] != '>') {
          char *r = q + 5;
          while (*r == ' ' || *r == '\t')
            r++;
          if (is_ident_char(*r) || *r == '(' || *r == '*' || *r == '&' ||
              *r == '!' || *r == '~' || *r == '-' || *r == '+')
            memset(q, ' ', 5);
        }
    line = eol ? eol + 1 : NULL;
  }
}

/* --emit=sync: the .ac file with the keywords the parser found blanked. */
static int emit_sync(Source *src, Str *out) {
  const TokMap *m = source_map(src);
  char *text = xstrndup(m->ac, m->ac_len);
  for (int i = 0; i < src->keywords.len; i++) {
    size_t b, e;
    if (keyword_in_ac(m, (size_t)(intptr_t)src->keywords.items[i], &b, &e))
      blank_word(text, b, e);
  }
  erase_in_defines(text);
  str_add(out, text, m->ac_len);
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

/* 1 when the output could not be written (a message is out). */
static int emit_view(Program *p, const Options *opt, Str *out) {
  int err = 0;
  EmitKind kind = opt->emit;
  bool no_line = opt->no_line;
  switch (kind) {
  case EMIT_HEADER:
    emit_header(p, opt->output && strcmp(opt->output, "-") ? opt->output
                                                            : NULL, out);
    break;
  case EMIT_C:
    err = emit_c(p, output_name(opt), no_line,
                 opt->stream ? opt->stream_fd : -1, out);
    if (err)
      fprintf(stderr, "acc: error: cannot write '%s': %s\n", opt->output,
              strerror(err));
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
  return err != 0;
}

/*
 * A binary file given as the input would make thousands of syntax errors;
 * one error says what it is.  Binary: more than 1 byte in 20 of its first
 * 64 KiB is a control character other than white space (a NUL in a
 * comment of a text file is not enough).
 */
static bool reject_binary(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false; /* the preprocessor reports it */
  unsigned char buf[65536];
  size_t n = fread(buf, 1, sizeof buf, f), bad = 0, first = n;
  fclose(f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = buf[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
         c != '\v') || c == 0x7f) {
      bad++;
      if (first == n)
        first = i;
    }
  }
  if (n == 0 || bad * 20 <= n)
    return false;
  fprintf(stderr, "%s:1:1: error: '%s' is not C source: it holds binary "
          "data (byte 0x%02x at offset %zu)\n", path, path, buf[first], first);
  return true;
}

/* typeof_unqual (C23) came with clang 16: an older libclang reads it as a
   call of an undeclared function and reports the declarator after it, and
   plain __typeof__ would keep the qualifiers it is written to drop.  So
   acc says it at the keyword. */
static bool typeof_unqual_unknown(const Source *src) {
  const Vec *at = ast_typeof_unqual();
  int major = at->len ? oracle_clang_major() : 0;
  for (int i = 0; at->len && major < 16 && i < at->len; i++) {
    size_t off = (size_t)(uintptr_t)at->items[i], n = 0;
    while (off + n < src->len && (src->text[off + n] == '_' ||
                                  isalnum((unsigned char)src->text[off + n])))
      n++;
    error_at(off, "'%.*s' is C23, which libclang %d (acc's C front end) "
             "does not know; write '__typeof__' where the qualifiers may "
             "stay", (int)n, src->text + off, major);
  }
  return at->len && major < 16;
}

int acc_translate(const Options *opt, Str *out) {
  if (opt->input && reject_binary(opt->input))
    return 1;
  Source *src = cpp_run(opt);
  if (!src)
    return 1;
  if (src->len >= UINT32_MAX || src->ac_len >= UINT32_MAX) {
    /* the token map's offsets are 32-bit (tokmap.h) */
    fprintf(stderr, "%s:1:1: error: '%s' is too large: acc translates "
            "files under 4 GiB, preprocessed\n", opt->input, opt->input);
    return 1;
  }
  diag_init(src);
  /* The token map before the parse: the preprocessor's token origins and
     the raw tokens of the .ac that build it are freed before the AST
     exists (plain C: about 30 bytes an input byte less at the peak). */
  source_map(src);
  Node *tu = parse_translation_unit(src);
  if (!tu || diag_error_count())
    return 1;
  if (opt->emit == EMIT_SYNC)
    return emit_sync(src, out);
  const char *args[4];
  int nargs = oracle_args(opt, args);
  /* The async rules first, without types, so a misplaced await is
     reported in our words before libclang says what its erasure means;
     then the rules that need types. */
  if (sema_check(tu, NULL) || typeof_unqual_unknown(src))
    return 1;
  Oracle *o = oracle_open(src, args, nargs);
  if (!o)
    return 1;
  sema_check(tu, o);
  if (diag_error_count()) {
    oracle_close(o);
    return 1;
  }
  if (!opt->no_blocking_lint && lint_blocking(src, tu, opt->werror_blocking) &&
      diag_error_count())
    return 1;
  asyncptr_collect(tu);
  live_locals_keep_reasons(opt->emit != EMIT_C);
  Program *p = lower_program(src, o, tu);
  p->clang_args = args;
  for (int i = 0; i < opt->cpp_args.len; i++) {
    const char *a = opt->cpp_args.items[i];
    if (!strncmp(a, "-D", 2))
      vec_push(&p->cmd_defines, (void *)(a + 2));
  }
  p->nclang_args = nargs;
  if (diag_error_count())
    return 1;
  /* The output is made from the IR: libclang's translation unit and the
     oracle's indexes go once the future registry has asked its questions,
     before the analyses and the output add to the memory at its peak. */
  emit_registry_prepare(p);
  oracle_close(o);
  p->oracle = NULL;
  recurse_mark(p);
  poll_value_mark(p);
  live_analyze(p);
  transitions_analyze(p);
  budget_check(p, opt->max_frame, opt->max_frame_flag);
  if (diag_error_count())
    return 1;
  if (!opt->syntax_only && opt->emit == EMIT_C)
    frame_paths(p);
  if (!opt->syntax_only && emit_view(p, opt, out))
    return 1;
  return diag_error_count() ? 1 : 0;
}
