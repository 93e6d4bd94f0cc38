/*
 * source.c: the preprocessed buffer and the map from its byte offsets back
 * to the positions the user wrote.  A token of the main file is placed by
 * the token map (tokmap.c): its presumed line (what `#line` says), the
 * physical column where it is written, and the physical line to show.
 * Otherwise the preprocessor's linemarkers (`# LINE "FILE" FLAGS`) say
 * which file and line the next line comes from; we index them once,
 * together with the start of every line, so a lookup is two binary
 * searches.  The main file is the bottom of the include stack the markers'
 * flags describe, whatever name a `#line` gave it.
 */
#include "acc.h"
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct LineMark {
  size_t line_index; /* index (in line_starts) of the first line it covers */
  const char *file;
  int line;          /* the presumed line of that first line */
  int depth;         /* include depth: 0 in the main file */
} LineMark;

typedef struct LineIndex {
  size_t *starts; /* byte offset of each line's first byte */
  size_t n;
  const char *main_file;
} LineIndex;

/* One index per process is enough: acc translates one file per run. */
static LineIndex index_;

static void index_lines(const char *text, size_t len) {
  size_t cap = 1024, n = 0;
  size_t *starts = xalloc(cap * sizeof *starts);
  starts[n++] = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] != '\n')
      continue;
    if (n == cap) {
      cap *= 2;
      starts = xrealloc(starts, cap * sizeof *starts);
    }
    starts[n++] = i + 1;
  }
  index_.starts = starts;
  index_.n = n;
}

/* Parses `# 12 "file" 1 3` at text; returns false if it is no linemarker.
   Flag 1 enters an include (*depth + 1), flag 2 returns from one. */
static bool parse_mark(const char *p, const char *end, int *line,
                       const char **file, int *depth) {
  if (*p != '#')
    return false;
  p++;
  while (p < end && *p == ' ')
    p++;
  if (p + 4 < end && !strncmp(p, "line", 4))
    p += 4;
  while (p < end && *p == ' ')
    p++;
  if (p >= end || *p < '0' || *p > '9')
    return false;
  *line = (int)strtol(p, (char **)&p, 10);
  while (p < end && *p == ' ')
    p++;
  if (p >= end || *p != '"') {
    *file = NULL;
    return true;
  }
  Str name = {0};
  for (p++; p < end && *p != '"'; p++) {
    if (*p == '\\' && p + 1 < end)
      p++;
    str_add(&name, p, 1);
  }
  *file = str_cstr(&name);
  for (p++; p < end && *p != '\n'; p++) {
    bool alone = p[-1] == ' ' && (p + 1 == end || p[1] == ' ' ||
                                  p[1] == '\n');
    if (alone && *p == '1')
      (*depth)++;
    else if (alone && *p == '2' && *depth > 0)
      (*depth)--;
  }
  return true;
}

Source *source_new(const char *path, char *text, size_t len) {
  Source *src = xalloc(sizeof *src);
  src->path = path;
  src->text = text;
  src->len = len;
  index_lines(text, len);
  index_.main_file = path;
  Vec marks = {0};
  const char *cur_file = path;
  int depth = 0;
  for (size_t i = 0; i < index_.n; i++) {
    const char *p = text + index_.starts[i];
    const char *end = i + 1 < index_.n ? text + index_.starts[i + 1] : text + len;
    int line;
    const char *file;
    if (!parse_mark(p, end, &line, &file, &depth))
      continue;
    if (file)
      cur_file = file;
    if (!marks.len && file)
      index_.main_file = file;
    LineMark *m = xalloc(sizeof *m);
    m->line_index = i + 1;
    m->file = cur_file;
    m->line = line;
    m->depth = depth;
    vec_push(&marks, m);
  }
  src->nmarks = marks.len;
  src->marks = xalloc(sizeof(LineMark) * (size_t)(marks.len + 1));
  for (int i = 0; i < marks.len; i++)
    src->marks[i] = *(LineMark *)marks.items[i];
  return src;
}

/*
 * The preprocessor collapses runs of blanks and turns comments into one
 * space, so a column in the buffer is not the user's column.  For a line of
 * the .ac file we walk the buffer's line and the original line together,
 * skipping blanks and comments on both sides, until we reach the offset; a
 * macro expansion makes the two differ, and from there we can only guess.
 */
static const char *skip_blanks(const char *o) {
  for (;;) {
    if (*o == ' ' || *o == '\t' || *o == '\r' || *o == '\f' || *o == '\v')
      o++;
    else if (o[0] == '/' && o[1] == '*' && strstr(o + 2, "*/"))
      o = strstr(o + 2, "*/") + 2;
    else if (o[0] == '/' && o[1] == '/')
      o += strlen(o);
    else
      return o;
  }
}

static int true_col(const char *orig, const char *pre, int precol) {
  const char *o = orig, *p = pre, *target = pre + precol - 1;
  char quote = 0;
  while (p < target && *p && *p != '\n') {
    if (!quote && (*p == ' ' || *p == '\t')) {
      p++;
      continue;
    }
    if (!quote)
      o = skip_blanks(o);
    if (*o != *p)
      return (int)(o - orig) + (int)(target - p) + 1;
    if (quote && *p == '\\' && p[1] && o[1] == p[1]) {
      o++, p++;
    } else if (*p == '"' || *p == '\'') {
      quote = !quote ? *p : (quote == *p ? 0 : quote);
    }
    o++, p++;
  }
  if (!quote)
    o = skip_blanks(o);
  return (int)(o - orig) + 1;
}

/* The main file's lines, read once, for true_col. */
static Vec main_lines;

static const char *main_line(const char *path, int line) {
  if (!main_lines.len) { /* the file read once, its lines cut in place */
    size_t n;
    char *text = read_file(path, &n);
    if (!text)
      return NULL;
    vec_push(&main_lines, NULL);
    for (char *p = text, *end = text + n;;) {
      char *nl = memchr(p, '\n', (size_t)(end - p));
      vec_push(&main_lines, p);
      if (!nl)
        break;
      *nl = '\0';
      p = nl + 1;
    }
  }
  return line > 0 && line < main_lines.len ? main_lines.items[line] : NULL;
}

static size_t line_of_offset(size_t off) {
  size_t lo = 0, hi = index_.n;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (index_.starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

const TokMap *source_map(const Source *src) {
  Source *s = (Source *)src; /* the map is a cache, built once */
  if (!s->map && s->load_map)
    s->map = s->load_map(s);
  if (!s->map) /* no .ac to map to: every token as the buffer spells it */
    s->map = tokmap_build(s, "", 0, NULL, 0);
  return s->map;
}

/* A main-file token placed by the token map. */
static bool mapped_loc(const Source *src, size_t off, Loc *loc) {
  const TokMap *m = source_map(src);
  int k = m ? tokmap_find(m, off) : -1;
  if (k < 0 || !m->toks[k].main || !m->toks[k].line || m->toks[k].begin > off)
    return false;
  const MapTok *t = &m->toks[k];
  loc->file = m->files.items[t->file];
  loc->line = t->line;
  loc->col = t->col;
  loc->in_main = true;
  if (t->unit >= 0) {
    const TokUnit *u = &m->units[t->unit];
    loc->text_line = t->line - u->delta;
    if (!u->is_macro) /* an offset inside the token */
      loc->col += (int)(off - t->begin);
  }
  return true;
}

/* The linemarker in force at line index li, or NULL before the first. */
static const LineMark *mark_of_line(const Source *src, size_t li) {
  int lo = 0, hi = src->nmarks;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (src->marks[mid].line_index <= li)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo ? &src->marks[lo - 1] : NULL;
}

bool source_in_main(const Source *src, size_t off) {
  const LineMark *m = mark_of_line(src, line_of_offset(off));
  return !m || m->depth == 0;
}

Loc source_loc(const Source *src, size_t off) {
  Loc loc = {0};
  if (mapped_loc(src, off, &loc))
    return loc;
  size_t li = line_of_offset(off);
  loc = (Loc){src->path, (int)li + 1, (int)(off - index_.starts[li]) + 1,
              true, 0};
  const LineMark *m = mark_of_line(src, li);
  if (!m)
    return loc;
  loc.file = m->file;
  loc.line = m->line + (int)(li - m->line_index);
  loc.in_main = m->depth == 0;
  if (loc.in_main && !strcmp(m->file, index_.main_file)) {
    loc.file = src->path;
    const char *orig = main_line(src->path, loc.line);
    if (orig)
      loc.col = true_col(orig, src->text + index_.starts[li], loc.col);
  }
  return loc;
}

char *source_line_text(const Source *src, const Loc *loc) {
  const TokMap *m = src ? source_map(src) : NULL;
  if (loc->text_line > 0 && m && loc->text_line <= m->ac_nlines) {
    size_t b = m->ac_lines[loc->text_line - 1], e = b;
    while (e < m->ac_len && m->ac[e] != '\n')
      e++;
    Str line = {0};
    for (size_t i = b; i < e; i++) /* NUL bytes would end the string */
      str_add(&line, m->ac[i] ? m->ac + i : " ", 1);
    return (char *)str_cstr(&line);
  }
  FILE *f = fopen(loc->file, "r");
  if (!f)
    return NULL;
  Str line = {0};
  int n = 1, c;
  while (n < loc->line && (c = getc(f)) != EOF)
    if (c == '\n')
      n++;
  while ((c = getc(f)) != EOF && c != '\n')
    str_add(&line, &(char){(char)c}, 1);
  fclose(f);
  return n == loc->line ? (char *)str_cstr(&line) : NULL;
}
