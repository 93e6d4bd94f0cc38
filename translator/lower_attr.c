/*
 * lower_attr.c: the GNU attributes and alignment specifiers of a local
 * that moves into the frame.
 *
 * A frame local's declaration becomes a frame field plus an assignment, so
 * what the declaration said about the object must move with it: its
 * alignment (`_Alignas(64)`, `__attribute__((aligned(64)))`) goes on the
 * field, and `__attribute__((cleanup(fn)))` becomes calls the lowering
 * places at every exit of the local's scope and in the frame's drop
 * (lower_stmt.c, docs/language.md).  Attributes written inside a struct,
 * union or enum definition belong to that type, which is hoisted with
 * them; the others in the specifiers apply to every declarator, and those
 * after a declarator's name to that one.
 */
#include "lower.h"

#include <string.h>

static bool word_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The end of the parenthesized text starting at p ('('), quotes skipped. */
static const char *close_paren(const char *p, const char *end) {
  int depth = 0;
  char quote = 0;
  for (; p < end; p++) {
    if (quote) {
      if (*p == '\\')
        p++;
      else if (*p == quote)
        quote = 0;
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    } else if ((depth += (*p == '(') - (*p == ')')) == 0) {
      return p + 1;
    }
  }
  return end;
}

/* Past the string or character literal starting at p. */
static const char *skip_literal(const char *p, const char *end) {
  char quote = *p++;
  for (; p < end && *p != quote; p++)
    if (*p == '\\')
      p++;
  return p < end ? p + 1 : end;
}

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
    p++;
  return p;
}

/* `__name__` is `name`. */
static const char *attr_name(const char *p, size_t n) {
  if (n > 4 && !strncmp(p, "__", 2) && !strncmp(p + n - 2, "__", 2))
    return xstrndup(p + 2, n - 4);
  return xstrndup(p, n);
}

/* The items of `__attribute__((a, b(1)))` between p and end ("a", "b(1)"),
   appended to out, names without their underscores. */
static void attr_items(const char *p, const char *end, Vec *out) {
  p = skip_space(p, end);
  if (p >= end || *p != '(')
    return;
  p = skip_space(p + 1, end);
  if (p >= end || *p != '(')
    return;
  const char *stop = close_paren(p, end) - 1;
  for (p = p + 1; p < stop;) {
    p = skip_space(p, stop);
    const char *q = p;
    while (q < stop && word_char(*q))
      q++;
    if (q == p) {
      p++;
      continue;
    }
    const char *name = attr_name(p, (size_t)(q - p));
    const char *r = skip_space(q, stop);
    const char *args = "";
    if (r < stop && *r == '(') {
      const char *e = close_paren(r, stop);
      args = xstrndup(r, (size_t)(e - r));
      r = e;
    }
    vec_push(out, xformat("%s%s", name, args));
    r = skip_space(r, stop);
    p = r < stop && *r == ',' ? r + 1 : r;
  }
}

/* The attributes of text [begin, end) (already renamed), skipping the
   ranges of `tags`. */
static void scan(Lower *L, size_t begin, size_t end, Vec *tags, Vec *out) {
  for (int i = 0; tags && i < tags->len; i++) {
    Node *t = tags->items[i];
    if (t->begin >= begin && t->end <= end) {
      scan(L, begin, t->begin, NULL, out);
      begin = t->end;
    }
  }
  const char *text = lower_src(L, begin, end), *stop = text + strlen(text);
  for (const char *p = text; p < stop;) {
    if (!word_char(*p)) {
      p = *p == '"' || *p == '\'' ? skip_literal(p, stop) : p + 1;
      continue;
    }
    const char *q = p;
    while (q < stop && word_char(*q))
      q++;
    size_t n = (size_t)(q - p);
    if ((n == 13 && !strncmp(p, "__attribute__", 13)) ||
        (n == 11 && !strncmp(p, "__attribute", 11))) {
      const char *r = skip_space(q, stop);
      const char *e = r < stop && *r == '(' ? close_paren(r, stop) : r;
      attr_items(q, e, out);
      q = e;
    }
    p = q;
  }
}

void lower_decl_attrs(Lower *L, Decl *d, Vec *out) {
  scan(L, d->spec->begin, d->spec->end, &d->spec->tags, out);
  if (d->name)
    scan(L, d->name_off + strlen(d->name), d->end, NULL, out);
}

const char *lower_attr_args(Vec *attrs, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < attrs->len; i++) {
    const char *a = attrs->items[i];
    if (!strncmp(a, name, n) && (!a[n] || a[n] == '('))
      return a + n;
  }
  return NULL;
}

/* `_Alignas(...)` in the specifiers, as written. */
static const char *alignas_spec(Lower *L, Decl *d) {
  const char *spec = lower_src(L, d->spec->begin, d->spec->end);
  const char *a = strstr(spec, "_Alignas");
  const char *open = a ? strchr(a, '(') : NULL;
  if (!open)
    return NULL;
  return xstrndup(a, (size_t)(close_paren(open, open + strlen(open)) - a));
}

const char *lower_align_spec(Lower *L, Decl *d, Vec *attrs) {
  const char *alignas = alignas_spec(L, d);
  Str s = {0};
  if (alignas)
    str_puts(&s, alignas);
  for (int i = 0; i < attrs->len; i++) {
    const char *a = attrs->items[i];
    if (!strncmp(a, "aligned", 7) && (!a[7] || a[7] == '('))
      str_printf(&s, "%s__attribute__((%s))", s.len ? " " : "", a);
  }
  return s.len ? str_cstr(&s) : NULL;
}
