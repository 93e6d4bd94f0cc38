/*
 * emit_include.c: headers that hold async code.
 *
 * A header may define async functions (`static async long f(long)` in a
 * header that several .ac files include).  The C compiler that compiles
 * acc's output must
 * not read such a header as written, so acc writes it in place of its
 * `#include` line, with its async items replaced by generated code as in
 * the .ac file itself (emit_c.c), and the same for every header that
 * includes one of those.  Include guards still work, since they are
 * copied; a `#pragma once` becomes a comment (the text now stands in the
 * output file).  A quoted `#include` inside a written-out header names
 * the file the preprocessor found, as an absolute path, because the
 * output file may be in another folder than that header.
 *
 * Which `#include` line brought in which file comes from the
 * preprocessor's linemarkers: `# 1 "h.h" 1` enters h.h, `# L "a.ac" 2`
 * comes back to a.ac at line L, so the directive was line L - 1.  A
 * header included again (skipped by its guard, so without linemarkers) is
 * recognised by the name in its directive.
 */
#define _GNU_SOURCE /* memmem */
#include "acc.h"
#include "emit_include.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Include {
  const char *parent, *child;
  int line;            /* the directive's line in parent */
} Include;

struct IncludeMap {
  Vec incs;            /* Include* */
  Vec needed;          /* char*: files written out in place */
  const char *main_path;   /* the .ac as named on the command line */
  const char *main_marker; /* and as the linemarkers name it */
};

static bool has(Vec *v, const char *s) {
  for (int i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return true;
  return false;
}

/* `# 12 "file" 1 3`: its line, file and whether it enters (1) or leaves
   (2) a file; false for any other line. */
static bool marker(const char *p, const char *end, int *line,
                   const char **file, int *flag) {
  if (*p++ != '#')
    return false;
  while (p < end && *p == ' ')
    p++;
  if (p >= end || *p < '0' || *p > '9')
    return false;
  *line = (int)strtol(p, (char **)&p, 10);
  while (p < end && *p == ' ')
    p++;
  if (p >= end || *p != '"')
    return false;
  Str name = {0};
  for (p++; p < end && *p != '"'; p++) {
    if (*p == '\\' && p + 1 < end)
      p++;
    str_add(&name, p, 1);
  }
  *file = str_cstr(&name);
  *flag = 0;
  for (p++; p < end && *p != '\n'; p++)
    if ((*p == '1' || *p == '2') && p[-1] == ' ' &&
        (p + 1 >= end || p[1] == ' ' || p[1] == '\n'))
      *flag = *flag ? *flag : *p - '0';
  return true;
}

static void read_includes(IncludeMap *m, const Source *src) {
  Vec stack = {0};
  Include *pending[256] = {0}; /* per depth: the child entered from there */
  for (size_t i = 0; i < src->len;) {
    const char *p = src->text + i;
    const char *nl = memchr(p, '\n', src->len - i);
    const char *end = nl ? nl : src->text + src->len;
    int line, flag;
    const char *file;
    if (marker(p, end, &line, &file, &flag)) {
      if (!stack.len) {
        vec_push(&stack, (char *)file);
        m->main_marker = file;
      } else if (flag == 1) {
        Include *inc = xalloc(sizeof *inc);
        inc->parent = stack.items[stack.len - 1];
        inc->child = file;
        inc->line = -1;
        vec_push(&m->incs, inc);
        if (stack.len < 256)
          pending[stack.len] = inc;
        vec_push(&stack, (char *)file);
      } else if (flag == 2 && stack.len > 1) {
        stack.len--;
        Include *inc = stack.len < 256 ? pending[stack.len] : NULL;
        if (inc && inc->line < 0)
          inc->line = line - 1;
      }
    }
    i = nl ? (size_t)(nl - src->text) + 1 : src->len;
  }
}

static bool is_main(IncludeMap *m, const char *file) {
  return !strcmp(file, m->main_path) ||
         (m->main_marker && !strcmp(file, m->main_marker));
}

/* Marks `file` and every file on an include chain to it as written out. */
static void need(IncludeMap *m, const char *file) {
  if (is_main(m, file) || has(&m->needed, file))
    return;
  vec_push(&m->needed, (char *)file);
  for (int i = 0; i < m->incs.len; i++) {
    Include *inc = m->incs.items[i];
    if (!strcmp(inc->child, file))
      need(m, inc->parent);
  }
}

IncludeMap *include_map(const Source *src, const Vec *async_files,
                        const char *main_file) {
  IncludeMap *m = xalloc(sizeof *m);
  m->main_path = main_file;
  if (!async_files->len)
    return m;
  read_includes(m, src);
  for (int i = 0; i < async_files->len; i++)
    need(m, async_files->items[i]);
  return m;
}

/* The directive word of a preprocessor line ("if", "endif"...), or "". */
static const char *directive(const char *p, const char *end, const char **rest) {
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p >= end || *p++ != '#')
    return "";
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  const char *w = p;
  while (p < end && *p >= 'a' && *p <= 'z')
    p++;
  *rest = p;
  return xstrndup(w, (size_t)(p - w));
}

bool include_acc_guarded(const char *file, int line) {
  /* the header of the last question (a header declares many functions) */
  static char *text, *path;
  static size_t len;
  if (!path || strcmp(path, file)) {
    free(text);
    free(path);
    text = read_file(file, &len);
    path = xstrdup(file);
  }
  if (!text)
    return true; /* nothing to write out then */
  Vec open = {0}; /* per open conditional: (void *)1 if it names __ACC__ */
  const char *p = text, *end = text + len;
  for (int n = 1; n < line && p < end; n++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end, *rest = e;
    const char *w = directive(p, e, &rest);
    bool names = memmem(rest, (size_t)(e - rest), "__ACC__", 7) != NULL;
    if (!strncmp(w, "if", 2)) /* if, ifdef, ifndef */
      vec_push(&open, (void *)(intptr_t)names);
    else if (open.len && !strcmp(w, "elif"))
      open.items[open.len - 1] = (void *)(intptr_t)(names ||
                                  open.items[open.len - 1]);
    else if (open.len && !strcmp(w, "endif"))
      open.len--;
    p = nl ? nl + 1 : end;
  }
  bool guarded = false;
  for (int i = 0; i < open.len; i++)
    guarded |= open.items[i] != NULL;
  free(open.items);
  return guarded;
}

bool include_is_written_out(IncludeMap *m, const char *file) {
  return has(&m->needed, file);
}

/* The name in an `#include "name"` or `<name>` line, or NULL. */
static const char *include_name(const char *line, bool *quoted) {
  const char *p = line;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != '#')
    return NULL;
  while (*p == ' ' || *p == '\t')
    p++;
  if (strncmp(p, "include", 7))
    return NULL;
  p += 7;
  while (*p == ' ' || *p == '\t')
    p++;
  char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
  if (!close)
    return NULL;
  *quoted = close == '"';
  const char *q = strchr(p + 1, close);
  const char *nl = strchr(p + 1, '\n');
  if (!q || (nl && nl < q))
    return NULL;
  return xstrndup(p + 1, (size_t)(q - p - 1));
}

static bool names(const char *path, const char *name) {
  size_t n = strlen(name), k = strlen(path);
  return k >= n && !strcmp(path + k - n, name) &&
         (k == n || path[k - n - 1] == '/');
}

const char *include_child(IncludeMap *m, const char *file, int line,
                          const char *text, bool *expand) {
  *expand = false;
  if (!m->needed.len)
    return NULL;
  if (!strcmp(file, m->main_path) && m->main_marker)
    file = m->main_marker;
  bool quoted = false;
  const char *name = include_name(text, &quoted);
  if (!name)
    return NULL;
  const char *child = NULL;
  for (int i = 0; i < m->incs.len && !child; i++) {
    Include *inc = m->incs.items[i];
    if (inc->line == line && !strcmp(inc->parent, file))
      child = inc->child;
  }
  for (int i = 0; i < m->needed.len && !child; i++)
    if (names(m->needed.items[i], name))
      child = m->needed.items[i]; /* included again, skipped by a guard */
  if (!child)
    return NULL;
  *expand = has(&m->needed, child);
  if (*expand || !quoted)
    return child;
  char buf[PATH_MAX];
  return realpath(child, buf) ? xstrdup(buf) : child;
}
