/*
 * util.c: allocation, growable strings and vectors.  The translator is a
 * short-lived process: it allocates as it goes and lets exit free the heap,
 * so nothing here has a matching free.
 */
#define _GNU_SOURCE /* strchrnul */
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

/* The string is allocated to its length: a translation keeps millions of
   these names and texts, and a Str starts at 64 bytes and doubles (about
   half of what they took was room never used). */
char *xformat(const char *fmt, ...) {
  static Str made; /* reused: formatting into it allocates nothing */
  made.len = 0;
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(&made, fmt, ap);
  va_end(ap);
  char *p = malloc(made.len + 1);
  if (!p)
    out_of_memory();
  memcpy(p, str_cstr(&made), made.len + 1);
  return p;
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

static void add_decimal(Str *s, unsigned long long v, bool negative) {
  char buf[24];
  size_t i = sizeof buf;
  do
    buf[--i] = (char)('0' + v % 10);
  while (v /= 10);
  if (negative)
    buf[--i] = '-';
  str_add(s, buf + i, sizeof buf - i);
}

static unsigned long long magnitude(long long v) {
  return v < 0 ? -(unsigned long long)v : (unsigned long long)v;
}

/*
 * The conversions the output is made of (%s %.*s %*s %c %d %ld %lld %u
 * %llu %zu %%), formatted here: vsnprintf costs a few hundred instructions a
 * call before its first byte, and a translation makes millions of calls.
 * False, with s as it was, for any other conversion or a NULL string
 * (glibc spells those), which vsnprintf then formats.
 */
static bool fast_vprintf(Str *s, const char *fmt, va_list ap) {
  size_t start = s->len;
  for (const char *p = fmt; *p;) {
    const char *q = strchrnul(p, '%');
    str_add(s, p, (size_t)(q - p));
    if (!*q)
      break;
    q++;
    if (*q == '%') {
      str_add(s, "%", 1);
    } else if (*q == 's' || (q[0] == '.' && q[1] == '*' && q[2] == 's')) {
      int prec = *q == '.' ? va_arg(ap, int) : -1;
      q += *q == '.' ? 2 : 0;
      const char *a = va_arg(ap, const char *);
      if (!a)
        goto slow;
      str_add(s, a, prec < 0 ? strlen(a) : strnlen(a, (size_t)prec));
    } else if (q[0] == '*' && q[1] == 's') { /* indentation: "%*s", n, "" */
      long long width = va_arg(ap, int);
      const char *a = va_arg(ap, const char *);
      if (!a)
        goto slow;
      size_t n = strlen(a);
      size_t pad = (size_t)(width < 0 ? -width : width);
      pad = pad > n ? pad - n : 0;
      if (width < 0)
        str_add(s, a, n);
      if (pad) {
        reserve(s, pad);
        memset(s->buf + s->len, ' ', pad);
        s->len += pad;
        s->buf[s->len] = '\0';
      }
      if (width >= 0)
        str_add(s, a, n);
      q++;
    } else if (*q == 'c') {
      char c = (char)va_arg(ap, int);
      str_add(s, &c, 1);
    } else if (*q == 'd') {
      int v = va_arg(ap, int);
      add_decimal(s, magnitude(v), v < 0);
    } else if (*q == 'u') {
      add_decimal(s, va_arg(ap, unsigned), false);
    } else if (q[0] == 'l' && q[1] == 'd') {
      long v = va_arg(ap, long);
      add_decimal(s, magnitude(v), v < 0);
      q++;
    } else if (q[0] == 'l' && q[1] == 'l' && q[2] == 'd') {
      long long v = va_arg(ap, long long);
      add_decimal(s, magnitude(v), v < 0);
      q += 2;
    } else if (q[0] == 'l' && q[1] == 'l' && q[2] == 'u') {
      add_decimal(s, va_arg(ap, unsigned long long), false);
      q += 2;
    } else if (q[0] == 'z' && q[1] == 'u') {
      add_decimal(s, va_arg(ap, size_t), false);
      q++;
    } else {
      goto slow;
    }
    p = q + 1;
  }
  return true;
slow:
  s->len = start;
  if (s->buf)
    s->buf[start] = '\0';
  return false;
}

/* Formats into the room there is, and only when it does not fit grows the
   buffer and formats again (the output is written with thousands of these
   calls: measuring every one first doubled the formatting). */
void str_vprintf(Str *s, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  bool done = fast_vprintf(s, fmt, copy);
  va_end(copy);
  if (done)
    return;
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
