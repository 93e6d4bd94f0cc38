/*
 * tokmap.c: where each token of the preprocessed buffer was written in the
 * .ac file (docs/frontend.md, "The token map").
 *
 * The parser reads `clang -E` output; clang's `-dump-tokens` on the same
 * file with the same flags lists the same tokens in the same order, each
 * with its expansion location (where a macro invocation starts, or the
 * token itself) and, for a token that came out of a macro, its spelling
 * location (an argument of the invocation in the .ac, the macro's
 * definition, or clang's scratch space for `#`, `##` and `__LINE__`).
 * Pragma lines are in neither list.  The two lists are aligned by order,
 * each pair checked by its spelling.
 *
 * The dump's locations are presumed: they follow the main file's `#line`
 * directives.  A raw lexer of the .ac (comments, line splices, literals and
 * directive lines understood, no macro expansion) gives every written
 * token's byte range, physical line and column; the dump's tokens of the
 * main file (include depth 0 in the buffer's linemarkers, whatever name a
 * `#line` gave it) are matched to those in order, by column and spelling,
 * the presumed-minus-physical line offset changing only at a `#line`
 * directive passed on the way (one in a skipped `#if` does not count when
 * the next token says so).
 *
 * The result is a list of units: a token written directly, or a whole macro
 * invocation, from its name to the last raw token before the next unit or
 * directive line; tokmap_copy (tokcopy.c) writes from them.
 */
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

/* ==== the .ac file, lexed raw ==== */

typedef struct Raw {
  uint32_t begin, end;  /* physical byte range in the .ac */
  int line, col;        /* physical, 1-based, of begin */
  const char *text;     /* the spelling, line splices removed */
  uint32_t len;
  bool ident;           /* an identifier (a macro's name, maybe) */
  bool after_directive; /* a directive line lies between it and the last */
} Raw;

typedef struct LineDirective {
  int phys_next; /* the physical line after the directive */
  int line;      /* the presumed line it gives that line */
} LineDirective;

typedef struct AcLex {
  const char *text;
  size_t len;
  char *logical; /* the text without line splices, NUL-terminated */
  size_t *phys;  /* the physical offset of each logical byte */
  size_t nlog;
  const size_t *line_starts;
  int nlines;
  Raw *raw;
  int nraw, capraw;
  LineDirective *lines;
  int nline_dirs, capline_dirs;
  Vec dirs;      /* AcDirective* */
} AcLex;

static int line_of(const size_t *starts, int n, size_t off) {
  int lo = 0, hi = n;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo + 1;
}

static void index_lines(TokMap *m) {
  int cap = 256;
  m->ac_lines = xalloc((size_t)cap * sizeof *m->ac_lines);
  m->ac_lines[m->ac_nlines++] = 0;
  for (size_t i = 0; i < m->ac_len; i++) {
    if (m->ac[i] != '\n')
      continue;
    if (m->ac_nlines == cap) {
      cap *= 2;
      m->ac_lines = xrealloc(m->ac_lines, (size_t)cap * sizeof *m->ac_lines);
    }
    m->ac_lines[m->ac_nlines++] = i + 1;
  }
}

/* The physical offset of logical byte i. */
static size_t phys(const AcLex *x, size_t i) {
  return x->phys ? x->phys[i] : i;
}

/* Removes every backslash-newline, keeping where each byte was; a file
   without any is its own logical text (phys NULL: the same offsets). */
static void remove_splices(AcLex *x) {
  bool any = false;
  for (const char *b = x->text, *e = x->text + x->len;
       !any && (b = memchr(b, '\\', (size_t)(e - b))); b++)
    any = b + 1 < e && (b[1] == '\n' || (b[1] == '\r' && b + 2 < e &&
                                          b[2] == '\n'));
  if (!any && !x->text[x->len]) {
    x->logical = (char *)x->text;
    x->phys = NULL;
    x->nlog = x->len;
    return;
  }
  x->logical = xalloc(x->len + 1);
  x->phys = xalloc((x->len + 1) * sizeof *x->phys);
  size_t n = 0;
  for (size_t i = 0; i < x->len;) {
    if (x->text[i] == '\\' && i + 1 < x->len && x->text[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (x->text[i] == '\\' && i + 2 < x->len && x->text[i + 1] == '\r' &&
        x->text[i + 2] == '\n') {
      i += 3;
      continue;
    }
    x->logical[n] = x->text[i];
    x->phys[n++] = i++;
  }
  x->phys[n] = x->len;
  x->logical[n] = '\0';
  x->nlog = n;
}

static bool ident_start(char c) {
  return c == '_' || c == '$' || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

static bool ident_char(char c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* White space inside a line, as both lexers skip it (a NUL too). */
static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
         c == '\0';
}

/* The length of the punctuator at p (the longest match), at least 1. */
static size_t punct_len(const char *p) {
  char a = p[0], b = a ? p[1] : 0;
  if (!b || !strchr("-+<>=!&|*/%^#.:", a))
    return 1; /* no longer punctuator starts with it */
  char c = p[2];
  if (a == '%' && b == ':' && c == '%' && p[3] == ':')
    return 4;
  if ((a == '.' && b == '.' && c == '.') ||
      ((a == '<' || a == '>') && b == a && c == '='))
    return 3;
  switch (a) { /* the two-character punctuators, digraphs included */
  case '-': return b == '>' || b == '-' || b == '=' ? 2 : 1;
  case '+': return b == '+' || b == '=' ? 2 : 1;
  case '<': return b == '<' || b == '=' || b == ':' || b == '%' ? 2 : 1;
  case '>': return b == '>' || b == '=' ? 2 : 1;
  case '&': return b == '&' || b == '=' ? 2 : 1;
  case '|': return b == '|' || b == '=' ? 2 : 1;
  case '%': return b == '=' || b == '>' || b == ':' ? 2 : 1;
  case '#': return b == '#' ? 2 : 1;
  case ':': return b == '>' ? 2 : 1;
  case '.': return 1;
  default: return b == '=' ? 2 : 1; /* = ! * / ^ */
  }
}

/* The end of a pp-token starting at t[i] (not white space or a comment),
   for the .ac's logical text and the buffer alike. */
static size_t token_end(const char *t, size_t n, size_t i) {
  char c = t[i];
  size_t b = i;
  if (ident_start(c)) {
    while (i < n && ident_char(t[i]))
      i++;
    bool prefix = (i - b == 1 && (c == 'L' || c == 'u' || c == 'U')) ||
                  (i - b == 2 && c == 'u' && t[b + 1] == '8');
    if (!prefix || i >= n || (t[i] != '"' && t[i] != '\''))
      return i;
    c = t[i]; /* an encoded literal: L"", u8'' */
  }
  if (c == '"' || c == '\'') {
    char q = t[i++];
    while (i < n && t[i] != q && t[i] != '\n')
      i += t[i] == '\\' && i + 1 < n ? 2 : 1;
    return i < n && t[i] == q ? i + 1 : i;
  }
  if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(t[i + 1]))) {
    for (i++; i < n && (ident_char(t[i]) || t[i] == '.' ||
                        ((t[i] == '+' || t[i] == '-') &&
                         strchr("eEpP", t[i - 1])));
         i++)
      ;
    return i;
  }
  size_t p = punct_len(t + i);
  return i + p <= n ? i + p : n;
}

static void add_raw(AcLex *x, size_t lb, size_t le, bool after_directive) {
  if (x->nraw == x->capraw) {
    x->capraw = x->capraw ? 2 * x->capraw : 1024;
    x->raw = xrealloc(x->raw, (size_t)x->capraw * sizeof *x->raw);
  }
  Raw *r = &x->raw[x->nraw++];
  r->begin = phys(x, lb);
  r->end = phys(x, le - 1) + 1;
  /* raw tokens come in order: the line moves forward from the last one */
  int line = x->nraw > 1 ? x->raw[x->nraw - 2].line : 1;
  while (line < x->nlines && x->line_starts[line] <= r->begin)
    line++;
  r->line = line;
  r->col = (int)(r->begin - x->line_starts[r->line - 1]) + 1;
  r->text = x->logical + lb;
  r->len = le - lb;
  r->ident = ident_start(x->logical[lb]) &&
             !(x->logical[le - 1] == '"' || x->logical[le - 1] == '\'');
  r->after_directive = after_directive;
}

/* Past a comment at logical offset i, or i if there is none. */
static size_t skip_comment(const AcLex *x, size_t i) {
  const char *t = x->logical;
  if (t[i] == '/' && t[i + 1] == '*') {
    for (size_t j = i + 2; j + 1 < x->nlog; j++)
      if (t[j] == '*' && t[j + 1] == '/')
        return j + 2;
    return x->nlog;
  }
  if (t[i] == '/' && t[i + 1] == '/') {
    while (i < x->nlog && t[i] != '\n')
      i++;
    return i;
  }
  return i;
}

static char directive_kind(const char *t, size_t i, size_t e) {
  i++;
  while (i < e && (t[i] == ' ' || t[i] == '\t'))
    i++;
  static const struct { const char *word; char kind; } kinds[] = {
      {"define", 'd'}, {"undef", 'u'},  {"pragma", 'p'}, {"line", 'l'},
      {"ifdef", 'i'},  {"ifndef", 'i'}, {"if", 'i'},     {"elifdef", 'e'},
      {"elifndef", 'e'}, {"elif", 'e'}, {"else", 'e'},   {"endif", 'n'}};
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    size_t n = strlen(kinds[k].word);
    if (i + n <= e && !strncmp(t + i, kinds[k].word, n) &&
        !ident_char(t[i + n]))
      return kinds[k].kind;
  }
  return i < e && is_digit(t[i]) ? 'l' : 'o'; /* `# 12 "f"` is a #line */
}

/* A `#line N` or `# N` directive between logical [b, e): the presumed line
   it gives the next physical line. */
static void note_line_directive(AcLex *x, size_t b, size_t e) {
  const char *t = x->logical;
  size_t i = b + 1;
  while (i < e && !is_digit(t[i]))
    i++;
  if (i >= e)
    return;
  if (x->nline_dirs == x->capline_dirs) {
    x->capline_dirs = x->capline_dirs ? 2 * x->capline_dirs : 16;
    x->lines = xrealloc(x->lines, (size_t)x->capline_dirs * sizeof *x->lines);
  }
  LineDirective *d = &x->lines[x->nline_dirs++];
  d->line = atoi(t + i);
  d->phys_next = line_of(x->line_starts, x->nlines, phys(x, e)) + 1;
}

/* Past the directive whose '#' is at logical offset i: to the end of its
   line, comments that run over several lines included. */
static size_t skip_directive(AcLex *x, size_t i) {
  size_t b = i;
  while (i < x->nlog && x->logical[i] != '\n') {
    size_t j = skip_comment(x, i);
    if (j != i)
      i = j;
    else if (x->logical[i] == '"' || x->logical[i] == '\'')
      i = token_end(x->logical, x->nlog, i);
    else
      i++;
  }
  AcDirective *d = xalloc(sizeof *d);
  d->begin = phys(x, b);
  d->end = phys(x, i);
  d->kind = directive_kind(x->logical, b, i);
  d->line = line_of(x->line_starts, x->nlines, d->begin);
  vec_push(&x->dirs, d);
  if (d->kind == 'l')
    note_line_directive(x, b, i);
  return i;
}

static void lex_ac(AcLex *x) {
  remove_splices(x);
  const char *t = x->logical;
  bool bol = true, after_directive = false;
  size_t start = x->nlog >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0;
  for (size_t i = start; i < x->nlog;) { /* (past a UTF-8 byte order mark) */
    char c = t[i];
    if (c == '\n') {
      bol = true;
      i++;
    } else if (is_blank(c)) {
      i++;
    } else if (skip_comment(x, i) != i) {
      i = skip_comment(x, i);
    } else if (bol && (c == '#' || (c == '%' && t[i + 1] == ':'))) {
      i = skip_directive(x, i);
      after_directive = true;
    } else {
      size_t e = token_end(t, x->nlog, i);
      add_raw(x, i, e, after_directive);
      if (x->dirs.len)
        ((AcDirective *)x->dirs.items[x->dirs.len - 1])->tokens_after = true;
      after_directive = bol = false;
      i = e;
    }
  }
}

/* ==== the buffer's tokens ==== */

/* Moves the include depth by a linemarker's flags (1 enter, 2 return). */
static void linemarker_depth(const char *p, const char *end, int *depth) {
  p++;
  while (p < end && *p == ' ')
    p++;
  if (p >= end || !is_digit(*p))
    return;
  while (p < end && is_digit(*p))
    p++;
  while (p < end && *p == ' ')
    p++;
  if (p >= end || *p != '"')
    return;
  for (p++; p < end && *p != '"'; p++)
    if (*p == '\\')
      p++;
  for (p++; p < end; p++) {
    bool alone = p + 1 == end || p[1] == ' ';
    if (*p == '1' && alone && p[-1] == ' ')
      (*depth)++;
    else if (*p == '2' && alone && p[-1] == ' ' && *depth > 0)
      (*depth)--;
  }
}

static void add_tok(TokMap *m, size_t b, size_t e, bool main) {
  if (m->ntoks == m->captoks) {
    m->captoks = m->captoks ? 2 * m->captoks : 4096;
    m->toks = xrealloc(m->toks, (size_t)m->captoks * sizeof *m->toks);
  }
  MapTok *t = &m->toks[m->ntoks++];
  memset(t, 0, sizeof *t);
  t->begin = b;
  t->end = e;
  t->unit = -1;
  t->main = main;
}

/* Every token of the buffer, in order; the main file's are those at
   include depth 0 of the linemarkers. */
static void lex_buffer(TokMap *m, const Source *src) {
  const char *t = src->text;
  size_t n = src->len;
  int depth = 0;
  bool bol = true;
  for (size_t i = 0; i < n;) {
    char c = t[i];
    if (c == '\n') {
      bol = true;
      i++;
    } else if (is_blank(c)) {
      i++;
    } else if (bol && c == '#') {
      size_t e = i;
      while (e < n && t[e] != '\n')
        e++;
      linemarker_depth(t + i, t + e, &depth);
      i = e;
    } else {
      size_t e = token_end(t, n, i);
      add_tok(m, i, e, depth == 0);
      bol = false;
      i = e;
    }
  }
}

/* ==== the dump ==== */

/* A record of the dump is a TokOrigin (preprocess.h); its hash and len
   are left out, the record's text being checked against the buffer's. */
typedef TokOrigin DumpTok;

/* FILE:LINE:COL in [b, end). */
static bool parse_loc(const char *b, const char *end, const char **file,
                      int *line, int *col) {
  const char *c2 = end;
  while (c2 > b && c2[-1] != ':')
    c2--;
  const char *c1 = c2 > b ? c2 - 1 : b;
  while (c1 > b && c1[-1] != ':')
    c1--;
  if (c1 == b || c2 == b)
    return false;
  *col = atoi(c2);
  *line = atoi(c1);
  *file = xstrndup(b, (size_t)(c1 - 1 - b));
  return true;
}

static const char *find(const char *p, const char *end, const char *s) {
  size_t n = strlen(s);
  for (; p + n <= end; p++)
    if (*p == *s && !memcmp(p, s, n))
      return p;
  return NULL;
}

/*
 * One record of the dump at *p, `kind 'TEXT'\tFLAGS\tLoc=<...>` and a
 * newline, TEXT being the buffer token's text.  FLAGS may hold
 * `[UnClean='...']` with raw source, newlines included.  Advances *p.
 */
static bool parse_record(const char **p, const char *end, const char *tok,
                         size_t n, DumpTok *out) {
  const char *q = *p;
  while (q < end && (ident_char(*q)))
    q++;
  if (q == *p || end - q < (long)n + 4 || q[0] != ' ' || q[1] != '\'' ||
      memcmp(q + 2, tok, n) || q[n + 2] != '\'' || q[n + 3] != '\t')
    return false;
  const char *loc = find(q + n + 4, end, "\tLoc=<");
  if (!loc)
    return false;
  loc += 6;
  const char *eol = memchr(loc, '\n', (size_t)(end - loc));
  if (!eol)
    eol = end;
  const char *sp = find(loc, eol, " <Spelling=");
  if (!parse_loc(loc, sp ? sp : eol - 1, &out->file, &out->line, &out->col))
    return false;
  out->expanded = sp != NULL;
  if (sp && !parse_loc(sp + 11, eol - 2, &out->sfile, &out->sline,
                       &out->scol))
    return false;
  *p = eol < end ? eol + 1 : end;
  return true;
}

/* Reads the dump's record of every token in order; returns how many were
   found before the two lists disagreed. */
static int align(TokMap *m, const Source *src, const char *dump, size_t len,
                 DumpTok *out) {
  const char *p = dump, *end = dump + len;
  for (int i = 0; i < m->ntoks; i++) {
    MapTok *t = &m->toks[i];
    int skipped = 0; /* diagnostics lines between records */
    while (!parse_record(&p, end, src->text + t->begin, t->end - t->begin,
                         &out[i])) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      if (!nl || ++skipped > 50)
        return i;
      p = nl + 1;
    }
  }
  return m->ntoks;
}

/* ==== matching the main file's tokens to the .ac ==== */

int tokmap_file_index(TokMap *m, const char *name) {
  for (int i = 0; i < m->files.len; i++)
    if (!strcmp(m->files.items[i], name))
      return i;
  vec_push(&m->files, xstrdup(name));
  return m->files.len - 1;
}

typedef struct Matcher {
  TokMap *m;
  AcLex *x;
  int r;      /* the next raw token to consider */
  int delta;  /* presumed line - physical line, as of raw r - 1 */
  int dir;    /* the next line directive not yet passed */
  long budget; /* raw tokens a failed search may still look at */
} Matcher;

/*
 * The raw token from the cursor on at the dump token's column, with its
 * spelling (or an identifier: a macro's name), whose physical line is the
 * presumed one under the current offset or under a #line directive passed
 * on the way; -1 if none.
 */
static int find_raw(Matcher *mt, const DumpTok *d, const char *text,
                    size_t n, bool macro, int *delta) {
  AcLex *x = mt->x;
  int cand[64], nc = 0, dir = mt->dir;
  cand[nc++] = mt->delta;
  for (int k = mt->r; k < x->nraw && mt->budget > 0; k++) {
    Raw *r = &x->raw[k];
    while (dir < x->nline_dirs && x->lines[dir].phys_next <= r->line) {
      if (nc < 64)
        cand[nc++] = x->lines[dir].line - x->lines[dir].phys_next;
      dir++;
    }
    if (k > mt->r + 64)
      mt->budget--;
    if (r->col != d->col ||
        (macro ? !r->ident : r->len != n || memcmp(r->text, text, n)))
      continue;
    for (int i = nc - 1; i >= 0; i--)
      if (d->line - r->line == cand[i]) {
        *delta = cand[i];
        mt->dir = dir;
        return k;
      }
  }
  return -1;
}

static TokUnit *new_unit(TokMap *m) {
  if (m->nunits == m->capunits) {
    m->capunits = m->capunits ? 2 * m->capunits : 1024;
    m->units = xrealloc(m->units, (size_t)m->capunits * sizeof *m->units);
    m->unit_raw = xrealloc(m->unit_raw,
                           (size_t)m->capunits * sizeof *m->unit_raw);
  }
  TokUnit *u = &m->units[m->nunits++];
  memset(u, 0, sizeof *u);
  return u;
}

/* The tokens [i, j) of one macro invocation: consecutive main tokens
   made by a macro, with the same expansion location. */
static int group_end(const TokMap *m, const DumpTok *d, int i, int n) {
  int j = i + 1;
  while (j < n && m->toks[j].main && d[j].expanded &&
         d[j].line == d[i].line && d[j].col == d[i].col &&
         !strcmp(d[j].file, d[i].file))
    j++;
  return j;
}

/* Where an argument's token of unit u is written: the raw token inside
   the invocation at its spelling location (its end in *end). */
static size_t arg_spelling(const TokMap *m, const AcLex *x, int ui,
                           const DumpTok *d, const MapTok *t,
                           const char *text, size_t *end) {
  const TokUnit *u = &m->units[ui];
  if (strcmp(d->sfile, m->files.items[u->file]))
    return TOKMAP_NONE;
  int line = d->sline - u->delta;
  size_t n = t->end - t->begin;
  for (int k = m->unit_raw[ui][0] + 1; k <= m->unit_raw[ui][1]; k++) {
    const Raw *r = &x->raw[k];
    if (r->line == line && r->col == d->scol && r->len == n &&
        !memcmp(r->text, text + t->begin, n)) {
      *end = r->end;
      return r->begin;
    }
  }
  return TOKMAP_NONE;
}

static void match_unit(Matcher *mt, const Source *src, const DumpTok *d,
                       int i, int j) {
  TokMap *m = mt->m;
  MapTok *t = &m->toks[i];
  bool macro = d[i].expanded;
  int delta;
  int k = find_raw(mt, &d[i], src->text + t->begin, t->end - t->begin,
                   macro, &delta);
  if (k < 0) {
    m->unmatched++;
    return;
  }
  m->matched++;
  TokUnit *u = new_unit(m);
  Raw *r = &mt->x->raw[k];
  u->ac_begin = r->begin;
  u->ac_end = r->end;
  u->first = i;
  u->last = j - 1;
  m->unit_raw[m->nunits - 1][0] = m->unit_raw[m->nunits - 1][1] = k;
  u->is_macro = macro;
  u->delta = delta;
  u->file = tokmap_file_index(m, d[i].file);
  for (int q = i; q < j; q++)
    m->toks[q].unit = m->nunits - 1;
  mt->r = k + 1;
  mt->delta = delta;
}

/* A macro invocation runs to the last raw token before the next unit, or
   before a directive line. */
static void extend_macros(TokMap *m, const AcLex *x) {
  for (int i = 0; i < m->nunits; i++) {
    TokUnit *u = &m->units[i];
    if (!u->is_macro)
      continue;
    int stop = i + 1 < m->nunits ? m->unit_raw[i + 1][0] : x->nraw;
    int k = m->unit_raw[i][0];
    while (k + 1 < stop && !x->raw[k + 1].after_directive)
      k++;
    m->unit_raw[i][1] = k;
    u->ac_end = x->raw[k].end;
  }
}

/* Positions of the main tokens: presumed line and file, the column they
   are written at, and the spelling of macro arguments. */
static void place_tokens(TokMap *m, const AcLex *x, const Source *src,
                         const DumpTok *d, int n) {
  for (int i = 0; i < n; i++) {
    MapTok *t = &m->toks[i];
    if (!t->main)
      continue;
    t->line = d[i].line;
    t->col = d[i].col;
    t->file = tokmap_file_index(m, d[i].file);
    if (!d[i].expanded)
      continue;
    t->scratch = !strcmp(d[i].sfile, "<scratch space>");
    size_t spell_end = 0, spell = TOKMAP_NONE;
    if (t->unit >= 0 && !t->scratch)
      spell = arg_spelling(m, x, t->unit, &d[i], t, src->text, &spell_end);
    t->from_def = !t->scratch && spell == TOKMAP_NONE;
    if (spell == TOKMAP_NONE)
      continue;
    t->col = d[i].scol;
    if (m->nspells == m->capspells) {
      m->capspells = m->capspells ? 2 * m->capspells : 256;
      m->spells = xrealloc(m->spells, (size_t)m->capspells * sizeof *m->spells);
    }
    m->spells[m->nspells++] =
        (TokSpell){i, (uint32_t)spell, (uint32_t)spell_end};
  }
}

static TokMap *map_new(const Source *src, const char *ac, size_t ac_len) {
  TokMap *m = xalloc(sizeof *m);
  m->ac = ac;
  m->ac_len = ac_len;
  index_lines(m);
  vec_push(&m->files, (char *)src->path);
  lex_buffer(m, src);
  return m;
}

/* Matches the main file's tokens, given the origins d of the first n. */
static void map_tokens(TokMap *m, const Source *src, const DumpTok *d,
                       int n) {
  AcLex x = {.text = m->ac, .len = m->ac_len, .line_starts = m->ac_lines,
             .nlines = m->ac_nlines};
  lex_ac(&x);
  m->dirs = xalloc(sizeof *m->dirs * (size_t)(x.dirs.len + 1));
  for (int i = 0; i < x.dirs.len; i++)
    m->dirs[i] = *(AcDirective *)x.dirs.items[i];
  m->ndirs = x.dirs.len;
  m->aligned = n == m->ntoks;
  Matcher mt = {.m = m, .x = &x, .budget = 4000000};
  for (int i = 0; i < n;) {
    if (!m->toks[i].main) {
      i++;
      continue;
    }
    int j = d[i].expanded ? group_end(m, d, i, n) : i + 1;
    match_unit(&mt, src, d, i, j);
    i = j;
  }
  extend_macros(m, &x);
  place_tokens(m, &x, src, d, n);
  if (x.phys)
    free(x.logical);
  free(x.phys);
  free(x.raw);
  /* the arrays at their size: they live as long as the translation */
  if (m->ntoks)
    m->toks = xrealloc(m->toks, sizeof *m->toks * (size_t)m->ntoks);
  if (m->nunits)
    m->units = xrealloc(m->units, sizeof *m->units * (size_t)m->nunits);
  if (m->nspells)
    m->spells = xrealloc(m->spells, sizeof *m->spells * (size_t)m->nspells);
  m->captoks = m->ntoks;
  m->capunits = m->nunits;
  m->capspells = m->nspells;
  free(m->unit_raw);
  m->unit_raw = NULL;
}

TokMap *tokmap_build(const Source *src, const char *ac, size_t ac_len,
                     const char *dump, size_t dump_len) {
  TokMap *m = map_new(src, ac, ac_len);
  if (!dump)
    return m;
  DumpTok *d = xalloc(sizeof *d * (size_t)(m->ntoks + 1));
  map_tokens(m, src, d, align(m, src, dump, dump_len, d));
  free(d);
  return m;
}

TokMap *tokmap_build_origins(const Source *src, const char *ac,
                             size_t ac_len, const TokOrigin *o, int no) {
  TokMap *m = map_new(src, ac, ac_len);
  int n = 0; /* the origins that agree with the buffer's tokens */
  while (n < m->ntoks && n < no) {
    const MapTok *t = &m->toks[n];
    size_t len = t->end - t->begin;
    if (o[n].len != len ||
        o[n].hash != tokorigin_hash(src->text + t->begin, len))
      break;
    n++;
  }
  map_tokens(m, src, o, n);
  return m;
}

/* The answer for off when it is the token of the last question or the
   one after it (the first token ending after off is the only one whose
   end is past off and whose predecessor's is not): the lowering and the
   output ask about each function's tokens in order, and a search of a
   large map misses the cache at most of its steps. */
static int near_last(const TokMap *m, size_t off, int last) {
  for (int k = last; k >= 0 && k < m->ntoks && k <= last + 1; k++)
    if (m->toks[k].end > off && (k == 0 || m->toks[k - 1].end <= off))
      return k;
  return -1;
}

int tokmap_find(const TokMap *m, size_t off) {
  static int last; /* a hint only: the test above is the answer's own */
  int k = near_last(m, off, last);
  if (k >= 0)
    return last = k;
  int lo = 0, hi = m->ntoks;
  while (lo < hi) { /* the first token ending after off */
    int mid = (lo + hi) / 2;
    if (m->toks[mid].end <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < m->ntoks)
    last = lo;
  return lo < m->ntoks ? lo : -1;
}

size_t tokmap_spell(const TokMap *m, int k, size_t *end) {
  int lo = 0, hi = m->nspells;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (m->spells[mid].tok < k)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == m->nspells || m->spells[lo].tok != k) {
    *end = 0;
    return TOKMAP_NONE;
  }
  *end = m->spells[lo].end;
  return m->spells[lo].begin;
}

bool tokmap_units(const TokMap *m, size_t begin, size_t end, int *u0,
                  int *u1) {
  int a = tokmap_find(m, begin), b = end > begin ? tokmap_find(m, end - 1)
                                                 : a;
  if (a < 0 || b < 0 || m->toks[a].unit < 0 || m->toks[b].unit < 0)
    return false;
  *u0 = m->toks[a].unit;
  *u1 = m->toks[b].unit;
  return true;
}

int tokmap_ac_line(const TokMap *m, size_t off) {
  return line_of(m->ac_lines, m->ac_nlines, off < m->ac_len ? off : m->ac_len);
}

void tokmap_presumed(const TokMap *m, int u, size_t ac_off, int *file,
                     int *line) {
  const TokUnit *unit = &m->units[u];
  *file = unit->file;
  *line = line_of(m->ac_lines, m->ac_nlines, ac_off) + unit->delta;
}

const char *tokmap_mark(int file, int line) {
  return xformat("%c%d:%d%c", TOKMAP_MARK, file, line, TOKMAP_MARK_END);
}

void tokmap_put_mark(Str *out, int file, int line) {
  str_printf(out, "%c%d:%d%c", TOKMAP_MARK, file, line, TOKMAP_MARK_END);
}

const char *tokmap_verbatim(int file, int line) {
  return xformat("%c%d:%d%c", TOKMAP_VERBATIM, file, line, TOKMAP_MARK_END);
}

const char *tokmap_strip_marks(const char *text) {
  if (!text || !strpbrk(text, "\x01\x03\x04"))
    return text;
  Str s = {0};
  for (const char *p = text; *p;) {
    if (*p == TOKMAP_MARK || *p == TOKMAP_VERBATIM) {
      while (*p && *p != TOKMAP_MARK_END)
        p++;
      p += *p != 0;
    } else if (*p == TOKMAP_SCAFFOLD) {
      p++;
    } else {
      str_add(&s, p++, 1);
    }
  }
  return s.len ? str_cstr(&s) : "";
}
