#define _GNU_SOURCE /* memmem */
/*
 * emit_lines.c: the last pass of the C output, which turns the line marks
 * the translator's text carries into #line directives (docs/lowering.md,
 * "Line mapping").
 *
 * Three kinds of marks (tokmap.h) say where the lines that follow come
 * from:
 *   user      \x01FILE:LINE\x02  code of the .ac's line LINE (a statement
 *             of an async body, a copied line); a line without a mark of
 *             its own keeps the last one, so generated code for a
 *             statement (an await's poll and return) stays on its line;
 *   verbatim  \x04FILE:LINE\x02  the .ac text itself from LINE on, which
 *             keeps its own directives: one #line before it, none inside;
 *   scaffold  \x03               generated code (frames, dispatch, drop,
 *             vtables), mapped to the output file's own lines so that a
 *             debugger never stops there for a line of the .ac.
 * A directive is written only where the compiler's idea of the current
 * line would be wrong: before a line that holds code whose line differs
 * from the one the compiler counts to.  Blank lines, comments, a lone `{`
 * and labels hold no code and need none.  Lines continued by a backslash
 * or inside a block comment are copied as they are.
 */
#include "tokmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_FILE (-1) /* the output file itself, for scaffolding */
#define JOIN_WIDTH 200 /* joined lines stay shorter than this */
#define FLUSH_AT (1 << 16) /* written text held before it goes to the file */

typedef struct Lines {
  Str *out;
  int fd;               /* >= 0: finished lines go to this file */
  int err;              /* the errno of a failed write, 0 if none */
  const TokMap *m;
  const char *out_name; /* the output file, escaped */
  bool no_line;
  int out_line;         /* lines written */
  char mode;            /* 'u' user, 'v' verbatim, 's' scaffold */
  int file, line;       /* user mode: the line code belongs to */
  int vfile, vline;     /* verbatim: the directive still to write, if vline */
  bool known;           /* the compiler's current line is known: */
  int afile, aline;     /* the file and line of the next line written */
  bool in_comment;      /* a block comment is open */
  bool spliced;         /* the last line ended with a backslash */
  bool line_comment;    /* the last line has a // comment (if it did not
                           start inside a block comment) */
  bool joinable;        /* the last line written is code of a user line
                           that a next line of the same line may join */
  int jfile, jline;     /* that line's file and line */
  const char **names;   /* the presumed files' names, escaped (file_name) */
  int nnames;
} Lines;

static const char *escaped(const char *path) {
  Str s = {0};
  for (const char *c = path; *c; c++) {
    if (*c == '\\' || *c == '"')
      str_add(&s, "\\", 1);
    str_add(&s, c, 1);
  }
  return s.len ? str_cstr(&s) : "";
}

static void put_line(Lines *L, const char *p, size_t n) {
  str_add(L->out, p, n);
  str_add(L->out, "\n", 1);
  L->out_line++;
  L->aline++;
}

/* The presumed file's name, escaped once. */
static const char *file_name(Lines *L, int file) {
  if (file >= L->nnames) {
    int n = L->m->files.len;
    L->names = xrealloc(L->names, sizeof *L->names * (size_t)n);
    for (int i = L->nnames; i < n; i++)
      L->names[i] = NULL;
    L->nnames = n;
  }
  if (!L->names[file])
    L->names[file] = escaped(L->m->files.items[file]);
  return L->names[file];
}

static void directive(Lines *L, int file, int line) {
  if (L->no_line)
    return;
  const char *name = file == OUT_FILE ? L->out_name
                     : file < L->m->files.len ? file_name(L, file)
                                              : L->out_name;
  str_printf(L->out, "#line %d \"%s\"\n", line, name);
  L->out_line++;
  L->known = true;
  L->afile = file;
  L->aline = line;
}

/* Reads a mark at p (one of \x01, \x03, \x04); returns its length. */
static size_t read_mark(Lines *L, const char *p) {
  if (*p == '\x03') {
    L->mode = 's';
    return 1;
  }
  int file = 0, line = 0;
  const char *q = p + 1;
  while (*q >= '0' && *q <= '9')
    file = file * 10 + (*q++ - '0');
  if (*q == ':')
    q++;
  while (*q >= '0' && *q <= '9')
    line = line * 10 + (*q++ - '0');
  if (*q == TOKMAP_MARK_END)
    q++;
  if (*p == TOKMAP_MARK) {
    if (L->mode == 'v')
      L->known = false; /* the .ac's own #line directives may have moved it */
    L->mode = 'u';
    L->file = file;
    L->line = line;
  } else {
    L->mode = 'v';
    L->vfile = file;
    L->vline = line;
  }
  return (size_t)(q - p);
}

static bool is_mark(char c) {
  return c == TOKMAP_MARK || c == '\x03' || c == '\x04';
}

/* The first mark in [p, end), or end. */
static const char *next_mark(const char *p, const char *end) {
  const char *mk = end;
  for (const char *c = "\x01\x03\x04"; *c; c++) {
    const char *at = memchr(p, *c, (size_t)(mk - p));
    mk = at ? at : mk;
  }
  return mk;
}

/* A line that generates no code: blank, a comment, `{`, a label, or a
   directive; or a `}` of the translator's own (one with no mark of its
   own closes a block that holds no locals: the user's `}` comes with the
   mark of its line, since its block may run cleanups there). */
static bool holds_no_code(const char *p, size_t n, bool own_mark) {
  while (n && (*p == ' ' || *p == '\t'))
    p++, n--;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (!n || *p == '#' || (n == 1 && *p == '{') ||
      (n == 1 && *p == '}' && !own_mark))
    return true;
  if (n >= 4 && !strncmp(p, "/*", 2) && !strncmp(p + n - 2, "*/", 2) &&
      !memmem(p + 2, n - 4, "*/", 2))
    return true;
  if (n >= 2 && p[0] == '/' && p[1] == '/')
    return true;
  size_t i = 0;
  while (i < n && (p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') ||
                   (p[i] >= 'A' && p[i] <= 'Z') ||
                   (i && p[i] >= '0' && p[i] <= '9')))
    i++;
  return i && i + 1 == n && p[i] == ':'; /* a label alone */
}

/* Walks one line past literals and comments, from inside a block comment
   if *in_comment, and leaves *in_comment as the line ends; whether a //
   comment starts on it. */
static bool scan_line(const char *p, size_t n, bool *in_comment) {
  if (!*in_comment && !memchr(p, '/', n) && !memchr(p, '"', n) &&
      !memchr(p, '\'', n))
    return false; /* most generated lines: nothing to follow */
  char quote = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c != '/' && c != '*' && c != '"' && c != '\'' && c != '\\')
      continue; /* most bytes: none of the states cares */
    if (*in_comment) {
      if (p[i] == '*' && i + 1 < n && p[i + 1] == '/')
        *in_comment = false, i++;
    } else if (quote) {
      if (p[i] == '\\')
        i++;
      else if (p[i] == quote)
        quote = 0;
    } else if (p[i] == '"' || p[i] == '\'') {
      quote = p[i];
    } else if (p[i] == '/' && i + 1 < n && p[i + 1] == '*') {
      *in_comment = true, i++;
    } else if (p[i] == '/' && i + 1 < n && p[i + 1] == '/') {
      return true;
    }
  }
  return false;
}

/* Whether the line leaves a block comment open, has a // comment, or
   ends spliced. */
static void scan_continuation(Lines *L, const char *p, size_t n) {
  L->line_comment = scan_line(p, n, &L->in_comment);
  L->spliced = n && p[n - 1] == '\\';
}

/*
 * Generated code of one user line (an await sequence, the assignment of
 * its result) would need a #line before each of its lines; instead a line
 * that would repeat the last directive joins the line before it, so each
 * directive stands once per run of code:
 *   #line 13 "hello.ac"
 *   print_async__init(&ac__F->ac__c1); ac__F->ac__state = 1; ac__s1: if (...
 */
static bool join_line(Lines *L, const char *p, size_t n) {
  if (!L->joinable || L->mode != 'u' || L->jfile != L->file ||
      L->jline != L->line || !L->out->len ||
      L->out->buf[L->out->len - 1] != '\n')
    return false;
  while (n && (*p == ' ' || *p == '\t'))
    p++, n--;
  size_t start = L->out->len - 1; /* the start of the last line */
  while (start > 0 && L->out->buf[start - 1] != '\n')
    start--;
  if (L->out->len - start + n > JOIN_WIDTH)
    return false; /* long enough: a directive reads better */
  L->out->len--; /* the newline */
  str_add(L->out, " ", 1);
  str_add(L->out, p, n);
  str_add(L->out, "\n", 1);
  L->joinable = !L->line_comment && !L->spliced && !L->in_comment;
  return true;
}

/* One line of text without marks, written with what it needs before it;
   own_mark: a mark stood at its start. */
static void write_line(Lines *L, const char *p, size_t n, bool own_mark) {
  bool continued = L->in_comment || L->spliced;
  scan_continuation(L, p, n);
  if (continued || L->no_line) {
    put_line(L, p, n);
    L->joinable = false;
    return;
  }
  if (L->mode == 'v') {
    if (L->vline) {
      directive(L, L->vfile, L->vline);
      L->vline = 0;
    }
    put_line(L, p, n);
    return;
  }
  if (holds_no_code(p, n, own_mark)) {
    put_line(L, p, n);
    L->joinable = L->joinable && !own_mark && n && *p != '#';
    return;
  }
  int file = L->mode == 's' ? OUT_FILE : L->file;
  int line = L->mode == 's' ? L->out_line + 1 : L->line;
  if (!L->known || L->afile != file || L->aline != line) {
    if (join_line(L, p, n))
      return;
    directive(L, file, L->mode == 's' ? L->out_line + 2 : line);
  }
  put_line(L, p, n);
  L->joinable = L->mode == 'u' && !L->spliced && !L->in_comment &&
                !L->line_comment;
  L->jfile = file;
  L->jline = line;
}

/* One line of the marked text: marks at its start are read first; a user
   mark after code starts a new line there. */
static void mark_line(Lines *L, const char *p, const char *end) {
  bool own_mark = false;
  for (;;) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || is_mark(*q))) {
      if (is_mark(*q)) {
        size_t n = read_mark(L, q);
        own_mark = true;
        if (q == p) {
          p += n;
          q = p;
          continue;
        }
        /* spaces, then a mark: drop the mark from the text */
        Str s = {0};
        str_add(&s, p, (size_t)(q - p));
        str_add(&s, q + n, (size_t)(end - q - n));
        mark_line(L, s.buf, s.buf + s.len);
        free(s.buf);
        return;
      }
      q++;
    }
    const char *mk = next_mark(p, end);
    if (mk == end) {
      write_line(L, p, (size_t)(end - p), own_mark);
      return;
    }
    if (L->in_comment || L->spliced) {
      Str s = {0}; /* marks inside continued text only move the line */
      for (const char *c = p; c < end;) {
        const char *run = c;
        while (c < end && !is_mark(*c))
          c++;
        str_add(&s, run, (size_t)(c - run));
        if (c < end)
          c += read_mark(L, c);
      }
      write_line(L, s.len ? s.buf : "", s.len, own_mark);
      free(s.buf);
      return;
    }
    write_line(L, p, (size_t)(mk - p), own_mark);
    own_mark = false;
    p = mk;
  }
}

LineWriter *emit_lines_start(const TokMap *m, const char *out_name,
                             bool no_line, int fd, Str *out) {
  Lines *L = xalloc(sizeof *L);
  *L = (Lines){.out = out, .fd = fd, .m = m, .out_name = escaped(out_name),
               .no_line = no_line, .mode = 's'};
  return L;
}

/* Writes [0, n) of the output to the file and takes it out of the text.
   After a failed write nothing more is written: the caller removes the
   file. */
static void write_out(Lines *L, size_t n) {
  if (!n)
    return;
  for (size_t done = 0; done < n && !L->err;) {
    ssize_t w = write(L->fd, L->out->buf + done, n - done);
    if (w < 0 && errno != EINTR)
      L->err = errno;
    else if (w > 0)
      done += (size_t)w;
  }
  memmove(L->out->buf, L->out->buf + n, L->out->len - n);
  L->out->len -= n;
  if (L->out->buf)
    L->out->buf[L->out->len] = '\0';
}

/* The output is tens of times the input's size: with a file, what is
   written goes there once a few pages are ready, all but the last line,
   which a next line of the same .ac line may still join (join_line). */
static void flush_out(Lines *L) {
  if (L->fd < 0 || L->out->len < FLUSH_AT)
    return;
  size_t last = L->out->len - 1; /* the newline that ends the last line */
  while (last > 0 && L->out->buf[last - 1] != '\n')
    last--;
  write_out(L, last);
}

/* The lines of [p, end): whole ones, and with last, the unfinished one
   at the end too.  Returns where the unwritten rest starts. */
static const char *lines_of(Lines *L, const char *p, const char *end,
                            bool last) {
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl && !last)
      break;
    const char *e = nl ? nl : end;
    mark_line(L, p, e);
    flush_out(L);
    p = nl ? nl + 1 : end;
  }
  return p;
}

void emit_lines_feed(LineWriter *L, Str *in) {
  const char *rest = lines_of(L, in->buf, in->buf + in->len, false);
  size_t done = (size_t)(rest - in->buf);
  if (!done)
    return;
  memmove(in->buf, rest, in->len - done);
  in->len -= done;
  in->buf[in->len] = '\0';
}

int emit_lines_end(LineWriter *L, const Str *in) {
  lines_of(L, in->buf, in->buf + in->len, true);
  if (L->fd >= 0)
    write_out(L, L->out->len);
  int err = L->err;
  free(L->names);
  free(L);
  return err;
}

void emit_lines(const Str *in, const TokMap *m, const char *out_name,
                bool no_line, Str *out) {
  emit_lines_end(emit_lines_start(m, out_name, no_line, -1, out), in);
}
