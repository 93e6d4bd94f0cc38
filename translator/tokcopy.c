/*
 * tokcopy.c: a range of the preprocessed buffer written back in the user's
 * own spelling (docs/frontend.md, "The token map").
 *
 *   buffer:  ((void) sizeof ((x > 0) ? 1 : 0), __extension__ ({ ... }));
 *   .ac:     assert(x > 0);
 *   copy:    assert(x > 0);
 *
 * A unit of the token map (a token written directly, or a macro
 * invocation) that lies wholly inside the range is written as the .ac has
 * it, so the compiler that builds the output expands the user's macros
 * with its own headers; between two such units the .ac's own white space,
 * comments and line breaks are kept.  Tokens of headers, and pieces of an
 * invocation cut by the range, are written as the buffer spells them.
 *
 * Substitutions (frame locals renamed, returns rewritten...) come from a
 * callback asked about every token.  Inside an invocation, a replaced
 * token that the invocation's arguments spell is replaced there
 * (`assert(x > 0)` with x in the frame: `assert((ac__F->x) > 0)`), unless
 * the invocation stringifies or pastes something (its message would
 * change): then, and when the replaced token comes from the macro's own
 * definition, the invocation is written expanded.
 */
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct Copy {
  const TokMap *m;
  const Source *src;
  Str *out;
  const char **subst;  /* per token of the range: its replacement, or NULL */
  bool *consumed;      /* per token: replaced by an earlier token's text */
  int i0, i1;          /* the tokens of the range */
  int last_unit;       /* the unit last written in the user's spelling;
                          -1: nothing written yet, -2: a buffer token */
  int last_tok;        /* the buffer token last written, or -1 */
  int file, line;      /* presumed position of the last byte written */
} Copy;

static void put(Copy *c, const char *p, size_t n) { str_add(c->out, p, n); }

/* A replacement, with a space first where it would fuse with the word
   before it (`__real__(await f())` becomes `__real__ ac__F->ac__t1`). */
static void put_repl(Copy *c, const char *text) {
  const Str *o = c->out;
  if (o->len && is_ident_char(o->buf[o->len - 1]) && is_ident_char(text[0]))
    put(c, " ", 1);
  str_puts(c->out, text);
}

/* A line break, and the mark of the line that follows it. */
static void newline(Copy *c, int file, int line) {
  put(c, "\n", 1);
  tokmap_put_mark(c->out, file, line);
  c->file = file;
  c->line = line;
}

/* The .ac bytes [b, e) as they are, with the marks of the lines they
   start; NUL bytes (allowed in comments) become spaces. */
static void put_ac(Copy *c, int unit, size_t b, size_t e) {
  const char *ac = c->m->ac;
  for (size_t i = b; i < e; i++) {
    if (ac[i] == '\n') {
      int file, line;
      tokmap_presumed(c->m, unit, i + 1, &file, &line);
      newline(c, file, line);
    } else {
      put(c, ac[i] ? ac + i : " ", 1);
    }
  }
}

/* Whether an .ac directive starts in [b, e) (they are in order). */
static bool directives_in(const TokMap *m, size_t b, size_t e) {
  int lo = 0, hi = m->ndirs;
  while (lo < hi) { /* the first directive at or after b */
    int mid = (lo + hi) / 2;
    if (m->dirs[mid].begin < b)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->ndirs && m->dirs[lo].begin < e;
}

/* .ac bytes [b, e) as they are, NUL bytes as spaces. */
static void add_ac(Str *out, const TokMap *m, size_t b, size_t e) {
  for (size_t i = b; i < e && i < m->ac_len; i++)
    str_add(out, m->ac[i] ? m->ac + i : " ", 1);
}

/*
 * The directives of the .ac between offsets [b, e) that the output keeps.
 * Conditionals opened before the gap hold the tokens before it, so an
 * #else or #elif of one ends that active branch: what follows to its
 * #endif was skipped.  A conditional that opens and closes inside the gap
 * and holds no tokens is kept whole (only directives: the compiler decides
 * it again); one that holds tokens held skipped text and goes; one that
 * stays open holds the tokens after the gap and its lines go.
 */
static void ac_directives(const TokMap *m, size_t b, size_t e, Str *out) {
  int depth = 0, skip = 0, group = -1;
  for (int i = 0; i < m->ndirs; i++) {
    const AcDirective *d = &m->dirs[i];
    if (d->begin < b || d->begin >= e)
      continue;
    if (skip) {
      skip += (d->kind == 'i') - (d->kind == 'n');
      continue;
    }
    if (d->kind == 'i' && depth++ == 0)
      group = i;
    else if (d->kind == 'e' && depth == 0)
      skip = 1;
    else if (d->kind == 'n' && depth > 0 && --depth == 0) {
      bool tokens = false;
      for (int j = group; j < i; j++)
        tokens |= m->dirs[j].tokens_after;
      if (!tokens) {
        str_add(out, "\n", 1);
        add_ac(out, m, m->dirs[group].begin, d->end);
      }
    } else if (depth == 0 && strchr("dup", d->kind)) {
      str_add(out, "\n", 1);
      add_ac(out, m, d->begin, d->end);
    }
  }
}

/* Whether an .ac directive starts on physical line `line`. */
static bool directive_on(const TokMap *m, int line) {
  for (int i = 0; i < m->ndirs; i++)
    if (m->dirs[i].line == line)
      return true;
  return false;
}

/* The buffer's pragma lines in [b, e) that _Pragma made (an .ac #pragma
   line is ac_directives' to keep or not). */
static void made_pragmas(const TokMap *m, const Source *src, int unit,
                         size_t b, size_t e, Str *out) {
  for (size_t i = b; i < e;) {
    const char *nl = memchr(src->text + i, '\n', e - i);
    size_t end = nl ? (size_t)(nl - src->text) : e;
    size_t p = i;
    while (p < end && (src->text[p] == ' ' || src->text[p] == '\t'))
      p++;
    if ((i == 0 || src->text[i - 1] == '\n') && end - p > 7 &&
        !strncmp(src->text + p, "#pragma", 7)) {
      Loc loc = source_loc(src, p);
      int phys = unit >= 0 ? loc.line - m->units[unit].delta : 0;
      if (unit < 0 || !directive_on(m, phys)) {
        str_add(out, "\n", 1);
        str_add(out, src->text + p, end - p);
      }
    }
    i = end + 1;
  }
}

const char *tokmap_gap_directives(const TokMap *m, const Source *src, int a,
                                  int b) {
  Str out = {0};
  int ua = a >= 0 ? m->toks[a].unit : -1;
  int ub = b >= 0 && b < m->ntoks ? m->toks[b].unit : -1;
  if (ua >= 0 && ub >= 0)
    ac_directives(m, m->units[ua].ac_end, m->units[ub].ac_begin, &out);
  made_pragmas(m, src, ub >= 0 ? ub : ua, a >= 0 ? m->toks[a].end : 0,
               b >= 0 && b < m->ntoks ? m->toks[b].begin : src->len, &out);
  return out.len ? str_cstr(&out) : "";
}

/*
 * The .ac bytes between two units written in the user's spelling: as they
 * are, or with directives among them only the directives the output keeps
 * (tokmap_gap_directives), since the tokens the translator read are
 * exactly the ones written; #line is the emitter's job.
 */
static void put_gap(Copy *c, int from, int to) {
  const TokUnit *a = &c->m->units[from], *b = &c->m->units[to];
  if (!directives_in(c->m, a->ac_end, b->ac_begin)) {
    put_ac(c, from, a->ac_end, b->ac_begin);
    return;
  }
  str_puts(c->out, tokmap_gap_directives(c->m, c->src, a->last, b->first));
  int file, line;
  tokmap_presumed(c->m, to, b->ac_begin, &file, &line);
  newline(c, file, line);
}

/* Writes token k as the buffer spells it (or its replacement), on its own
   line when it comes from a later line of the same file. */
static void put_token(Copy *c, int k) {
  const MapTok *t = &c->m->toks[k];
  if (c->consumed[k - c->i0])
    return;
  if (c->last_tok >= 0 && memchr(c->src->text + c->m->toks[c->last_tok].end,
                                 '#', t->begin - c->m->toks[c->last_tok].end))
    made_pragmas(c->m, c->src, -1, c->m->toks[c->last_tok].end, t->begin,
                 c->out); /* _Pragma inside an expansion */
  if (t->main && t->file == c->file && t->line > c->line && c->line > 0)
    newline(c, t->file, t->line);
  else if (c->last_unit != -1 &&
           !(c->last_tok == k - 1 && c->m->toks[k - 1].end == t->begin))
    put(c, " ", 1); /* the buffer's own spacing between its tokens */
  const char *s = c->subst[k - c->i0];
  if (s)
    put_repl(c, s);
  else
    put(c, c->src->text + t->begin, t->end - t->begin);
  c->last_unit = -2; /* the next piece needs a separating space */
  c->last_tok = k;
  if (t->main && t->file == c->file && t->line > c->line)
    c->line = t->line;
}

/* A replacement inside an invocation: .ac bytes [b, e) become text. */
typedef struct Repl {
  size_t b, e;
  const char *text;
} Repl;

/* Whether .ac bytes [b, e) are only white space, comments and splices. */
static bool blank_between(const TokMap *m, size_t b, size_t e) {
  const char *t = m->ac;
  for (size_t i = b; i < e;) {
    if (t[i] == '/' && i + 1 < e && t[i + 1] == '*') {
      const char *end = NULL;
      for (size_t j = i + 2; j + 1 < e && !end; j++)
        if (t[j] == '*' && t[j + 1] == '/')
          end = t + j + 2;
      if (!end)
        return false;
      i = (size_t)(end - t);
    } else if (strchr(" \t\n\r\f\v\\", t[i]) || !t[i]) {
      i++;
    } else {
      return false;
    }
  }
  return true;
}

/* The .ac range the arguments' tokens [k, j] are written in, if they are
   written there one after the other. */
static bool spelled_run(const Copy *c, int k, int j, size_t *b, size_t *e) {
  size_t prev_end = 0;
  for (int q = k; q <= j; q++) {
    size_t end, spell = tokmap_spell(c->m, q, &end);
    if (spell == TOKMAP_NONE)
      return false;
    if (q > k && !blank_between(c->m, prev_end, spell))
      return false;
    if (q > k && spell < prev_end)
      return false;
    prev_end = end;
  }
  size_t unused;
  *b = tokmap_spell(c->m, k, &unused);
  tokmap_spell(c->m, j, e);
  return true;
}

/* Adds [b, e) -> text unless it clashes with one already there: the same
   range must get the same text, and ranges may not overlap otherwise. */
static bool add_repl(Vec *repls, size_t b, size_t e, const char *text) {
  for (int i = 0; i < repls->len; i++) {
    Repl *r = repls->items[i];
    if (r->b == b && r->e == e)
      return !strcmp(r->text, text);
    if (r->b < e && b < r->e)
      return false;
  }
  Repl *r = xalloc(sizeof *r);
  *r = (Repl){b, e, text};
  vec_push(repls, r);
  return true;
}

/*
 * The replacements inside invocation u, placed at the arguments'
 * spellings: a replaced run of tokens (a name, or a whole awaited operand
 * the lowering computed) must be written one after the other in one
 * argument.  False when one cannot be placed: a token of the macro's
 * definition, a run cut by the invocation's ends, an argument the macro
 * uses twice with one use replaced, or an invocation that stringifies or
 * pastes (its message would change).
 */
static bool arg_replacements(Copy *c, const TokUnit *u, Vec *repls) {
  bool scratch = false;
  if (c->consumed[u->first - c->i0])
    return false; /* a replacement from before the invocation runs on */
  for (int k = u->first; k <= u->last; k++) {
    scratch |= c->m->toks[k].scratch;
    const char *s = c->subst[k - c->i0];
    if (!s)
      continue;
    int j = k;
    while (j + 1 < c->i1 && c->consumed[j + 1 - c->i0])
      j++;
    size_t b, e;
    if (j > u->last || !spelled_run(c, k, j, &b, &e) ||
        !add_repl(repls, b, e, s))
      return false;
    k = j;
  }
  if (!repls->len)
    return true;
  if (scratch)
    return false;
  for (int k = u->first; k <= u->last; k++) { /* an argument used twice */
    size_t end, spell = tokmap_spell(c->m, k, &end);
    if (c->subst[k - c->i0] || c->consumed[k - c->i0] ||
        spell == TOKMAP_NONE)
      continue;
    for (int i = 0; i < repls->len; i++) {
      Repl *r = repls->items[i];
      if (spell >= r->b && spell < r->e)
        return false;
    }
  }
  return true;
}

/* The invocation u in the user's spelling, replacements placed. */
static void put_invocation(Copy *c, int ui, Vec *repls) {
  const TokUnit *u = &c->m->units[ui];
  size_t pos = u->ac_begin;
  while (repls->len) {
    int best = 0; /* the next replacement in .ac order */
    for (int i = 1; i < repls->len; i++)
      if (((Repl *)repls->items[i])->b < ((Repl *)repls->items[best])->b)
        best = i;
    Repl *r = repls->items[best];
    put_ac(c, ui, pos, r->b);
    put_repl(c, r->text);
    pos = r->e;
    free(r);
    repls->items[best] = repls->items[--repls->len];
  }
  put_ac(c, ui, pos, u->ac_end);
}

/* Whether the buffer token k is an identifier. */
static bool is_name(const Copy *c, int k) {
  char ch = c->src->text[c->m->toks[k].begin];
  return ch == '_' || ch == '$' || (ch >= 'a' && ch <= 'z') ||
         (ch >= 'A' && ch <= 'Z');
}

static bool same_token(const Copy *c, int a, int b) {
  const MapTok *x = &c->m->toks[a], *y = &c->m->toks[b];
  return x->end - x->begin == y->end - y->begin &&
         !memcmp(c->src->text + x->begin, c->src->text + y->begin,
                 x->end - x->begin);
}

/*
 * An invocation that stringifies its arguments and holds renamed names
 * (`assert(x > 0)`, x in the frame) can still be written as the user did
 * when every token of its expansion spelled like a renamed name is renamed
 * the same way: the name is made a macro for its new text around the
 * invocation, so the message keeps "x > 0" while the code reads the frame:
 *   #define x (ac__F->x)
 *   assert(x > 0)
 *   #undef x
 * No macro x can be in force there (the name would not have reached the
 * buffer).  Returns the names (token indices) to define, or false.
 */
static bool defined_renames(Copy *c, const TokUnit *u, Vec *names) {
  for (int k = u->first; k <= u->last; k++) {
    const char *s = c->subst[k - c->i0];
    if (c->consumed[k - c->i0] ||
        (k + 1 <= u->last && c->consumed[k + 1 - c->i0]))
      return false; /* a replaced run, not a name */
    if (!s)
      continue;
    if (!is_name(c, k))
      return false;
    bool seen = false;
    for (int i = 0; i < names->len && !seen; i++)
      seen = same_token(c, (int)(intptr_t)names->items[i], k);
    if (!seen)
      vec_push(names, (void *)(intptr_t)k);
  }
  for (int k = u->first; k <= u->last; k++) /* every spelling renamed */
    for (int i = 0; i < names->len; i++) {
      int n = (int)(intptr_t)names->items[i];
      if (same_token(c, n, k) &&
          (!c->subst[k - c->i0] ||
           strcmp(c->subst[k - c->i0], c->subst[n - c->i0])))
        return false;
    }
  return names->len > 0;
}

static void put_defined(Copy *c, int ui, const Vec *names) {
  const TokUnit *u = &c->m->units[ui];
  for (int i = 0; i < names->len; i++) {
    const MapTok *t = &c->m->toks[(int)(intptr_t)names->items[i]];
    str_printf(c->out, "\n#define %.*s %s", (int)(t->end - t->begin),
               c->src->text + t->begin,
               c->subst[(int)(intptr_t)names->items[i] - c->i0]);
  }
  int file, line;
  tokmap_presumed(c->m, ui, u->ac_begin, &file, &line);
  newline(c, file, line);
  put_ac(c, ui, u->ac_begin, u->ac_end);
  for (int i = 0; i < names->len; i++) {
    const MapTok *t = &c->m->toks[(int)(intptr_t)names->items[i]];
    str_printf(c->out, "\n#undef %.*s", (int)(t->end - t->begin),
               c->src->text + t->begin);
  }
  tokmap_presumed(c->m, ui, u->ac_end, &file, &line);
  newline(c, file, line);
}

/* Unit u, which lies wholly inside the range: in the user's spelling when
   the substitutions allow it; returns false to have it written expanded. */
static bool put_unit_with(Copy *c, int ui, Vec *repls, Vec *names) {
  const TokUnit *u = &c->m->units[ui];
  if (u->is_macro && !arg_replacements(c, u, repls) &&
      !defined_renames(c, u, names))
    return false;
  if (!u->is_macro && c->consumed[u->first - c->i0]) {
    c->last_unit = ui; /* a gap after it starts at its end */
    return true;
  }
  if (c->last_unit >= 0 && c->last_unit == ui - 1 &&
      c->m->units[c->last_unit].last + 1 == u->first)
    put_gap(c, c->last_unit, ui);
  else if (c->last_unit != -1)
    put(c, " ", 1);
  if (c->line == 0 || c->file != u->file) {
    c->file = u->file;
    c->line = c->m->toks[u->first].line;
  }
  const char *s = c->subst[u->first - c->i0];
  if (!u->is_macro && s)
    put_repl(c, s);
  else if (!u->is_macro)
    put_ac(c, ui, u->ac_begin, u->ac_end);
  else if (names->len)
    put_defined(c, ui, names);
  else
    put_invocation(c, ui, repls);
  c->last_unit = ui;
  return true;
}

static bool put_unit(Copy *c, int ui) {
  Vec repls = {0}, names = {0};
  bool done = put_unit_with(c, ui, &repls, &names);
  for (int i = 0; i < repls.len; i++)
    free(repls.items[i]);
  free(repls.items);
  free(names.items);
  return done;
}

/* The replacement of every token of the range, from the callback. */
static void ask(Copy *c, size_t end, TokSubstFn fn, void *ctx) {
  int n = c->i1 - c->i0;
  c->subst = xalloc(sizeof *c->subst * (size_t)(n + 1));
  c->consumed = xalloc(sizeof *c->consumed * (size_t)(n + 1));
  for (int k = c->i0; k < c->i1 && fn; k++) {
    if (c->consumed[k - c->i0])
      continue;
    const MapTok *t = &c->m->toks[k];
    TokSubst s = fn(ctx, t->begin, t->end);
    if (!s.text)
      continue;
    c->subst[k - c->i0] = s.text;
    for (int q = k + 1; q < c->i1 && c->m->toks[q].begin < s.upto &&
                        c->m->toks[q].begin < end;
         q++)
      c->consumed[q - c->i0] = true;
  }
}

void tokmap_copy(const TokMap *m, const Source *src, size_t begin,
                 size_t end, TokSubstFn fn, void *ctx, Str *out) {
  Copy c = {.m = m, .src = src, .out = out, .last_unit = -1, .last_tok = -1};
  c.i0 = tokmap_find(m, begin);
  if (c.i0 < 0 || m->toks[c.i0].begin >= end)
    return;
  c.i1 = c.i0;
  while (c.i1 < m->ntoks && m->toks[c.i1].begin < end)
    c.i1++;
  ask(&c, end, fn, ctx);
  /* White space at the ends of the range is kept as a space: the pieces
     of a rewritten expression are copied apart, and the buffer's spaces
     are what keeps `a - -b` from becoming `a--b`. */
  if (m->toks[c.i0].begin > begin)
    put(&c, " ", 1);
  for (int k = c.i0; k < c.i1;) {
    int ui = m->toks[k].unit;
    const TokUnit *u = ui >= 0 ? &m->units[ui] : NULL;
    if (u && u->first == k && u->last < c.i1 && put_unit(&c, ui)) {
      k = u->last + 1;
      continue;
    }
    int stop = u && u->first >= c.i0 && u->last < c.i1 ? u->last + 1 : k + 1;
    for (; k < stop; k++)
      put_token(&c, k);
  }
  if (c.i1 > c.i0 && m->toks[c.i1 - 1].end < end)
    put(&c, " ", 1);
  free(c.subst); /* the texts are the callback's */
  free(c.consumed);
}
