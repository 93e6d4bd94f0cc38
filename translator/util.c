/*
 * util.c: allocation, growable strings and vectors.  The translator is a
 * short-lived process: it allocates as it goes and lets exit free the heap,
 * so nothing here has a matching free.
 */
#include "acc.h"

#include <stdlib.h>
#include <string.h>

_Noreturn void acc_unreachable(const char *file, int line) {
  fprintf(stderr, "acc: internal error at %s:%d\n", file, line);
  abort();
}

static _Noreturn void out_of_memory(void) {
  fputs("acc: out of memory\n", stderr);
  exit(3);
}

void *xalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p)
    out_of_memory();
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p)
    out_of_memory();
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *p = xalloc(n + 1);
  memcpy(p, s, n);
  return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xformat(const char *fmt, ...) {
  Str s = {0};
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(&s, fmt, ap);
  va_end(ap);
  return (char *)str_cstr(&s);
}

static void reserve(Str *s, size_t extra) {
  if (s->len + extra + 1 <= s->cap)
    return;
  size_t cap = s->cap ? s->cap : 64;
  while (cap < s->len + extra + 1)
    cap *= 2;
  s->buf = xrealloc(s->buf, cap);
  s->cap = cap;
}

void str_add(Str *s, const char *p, size_t n) {
  reserve(s, n);
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  s->buf[s->len] = '\0';
}

void str_puts(Str *s, const char *p) { str_add(s, p, strlen(p)); }

/* Formats into the room there is, and only when it does not fit grows the
   buffer and formats again (the output is written with thousands of these
   calls: measuring every one first doubled the formatting). */
void str_vprintf(Str *s, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  size_t room = s->cap > s->len ? s->cap - s->len : 0;
  int n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, copy);
  va_end(copy);
  if ((size_t)n >= room) {
    reserve(s, (size_t)n);
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
  }
  s->len += (size_t)n;
}

void str_printf(Str *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(s, fmt, ap);
  va_end(ap);
}

const char *str_cstr(Str *s) {
  reserve(s, 0);
  s->buf[s->len] = '\0';
  return s->buf;
}

char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  Str s = {0};
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    str_add(&s, buf, n);
  fclose(f);
  *len = s.len;
  return (char *)str_cstr(&s);
}

void vec_push(Vec *v, void *item) {
  if (v->len == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 8;
    v->items = xrealloc(v->items, sizeof(void *) * (size_t)v->cap);
  }
  v->items[v->len++] = item;
}

/*
 * The translator never frees (see the top of this file), so LeakSanitizer
 * would report every string it built.  ASan builds of acc still check every
 * access; leaks are checked where they matter, in the runtime's tests.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

bool is_ident_char(char c) {
  return c == '_' || c == '$' || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
