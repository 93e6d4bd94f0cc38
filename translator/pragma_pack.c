/*
 * pragma_pack.c: the `#pragma pack` state at an offset of the preprocessed
 * buffer.
 *
 * acc moves code: a struct defined in an async body is hoisted to file
 * scope, and the frame struct of a function is written where the function
 * stands.  Both must be laid out as the user's code was, whatever the pack
 * regions around the place they land in: a hoisted struct keeps the packing
 * of its definition, a frame keeps natural alignment (docs/lowering.md).
 * The preprocessor keeps the pragma lines (`_Pragma("pack(1)")` becomes one
 * too), so the state is read by replaying them, with gcc's stack rules:
 *   pack(N)  pack()  pack(push[, ID][, N])  pack(pop[, ID][, N])
 */
#include "acc.h"

#include <stdlib.h>
#include <string.h>

typedef struct Packed {
  char id[64];   /* the push's identifier, "" for none */
  int value;     /* the state it saved */
} Packed;

typedef struct PackState {
  int value;     /* 0: the target's default */
  Packed stack[64];
  int depth;
} PackState;

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* The next argument of the pragma: a word or a number, up to ',' or ')'. */
static const char *next_arg(const char *p, char *buf, size_t size) {
  p = skip_space(p);
  size_t n = 0;
  while (*p && *p != ',' && *p != ')' && *p != '\n' && *p != ' ' &&
         *p != '\t') {
    if (n + 1 < size)
      buf[n++] = *p;
    p++;
  }
  buf[n] = 0;
  p = skip_space(p);
  return *p == ',' ? p + 1 : p;
}

static bool is_number(const char *s) {
  return *s >= '0' && *s <= '9';
}

static void pop(PackState *st, const char *id) {
  while (st->depth > 0) {
    Packed *top = &st->stack[--st->depth];
    st->value = top->value;
    if (!*id || !strcmp(top->id, id))
      return;
  }
}

/* Applies the arguments of one `#pragma pack(...)` (p is past the '('). */
static void apply(PackState *st, const char *p) {
  char args[3][64] = {{0}};
  int n = 0;
  while (n < 3 && *skip_space(p) && *skip_space(p) != ')' &&
         *skip_space(p) != '\n')
    p = next_arg(p, args[n++], sizeof args[0]);
  if (n == 0) {
    st->value = 0;
    return;
  }
  if (!strcmp(args[0], "push") || !strcmp(args[0], "pop")) {
    const char *id = n > 1 && !is_number(args[1]) ? args[1] : "";
    const char *num = n > 1 && is_number(args[n - 1]) ? args[n - 1] : NULL;
    if (args[0][1] == 'u' && st->depth < 64) {
      Packed *top = &st->stack[st->depth++];
      snprintf(top->id, sizeof top->id, "%s", id);
      top->value = st->value;
    } else if (args[0][1] == 'o') {
      pop(st, id);
    }
    if (num)
      st->value = atoi(num);
  } else if (is_number(args[0])) {
    st->value = atoi(args[0]);
  }
}

/* `#pragma pack(` at the start of the line at p: the text past '('. */
static const char *pack_args(const char *p) {
  p = skip_space(p);
  if (*p != '#')
    return NULL;
  p = skip_space(p + 1);
  if (strncmp(p, "pragma", 6))
    return NULL;
  p = skip_space(p + 6);
  if (strncmp(p, "pack", 4))
    return NULL;
  p = skip_space(p + 4);
  return *p == '(' ? p + 1 : NULL;
}

/* The state after each pack pragma of the buffer, indexed once. */
typedef struct PackChange {
  size_t off;    /* the pragma line's offset */
  int value;     /* the state from there on */
} PackChange;

static const Source *indexed;
static PackChange *changes;
static int nchanges;

static void index_pragmas(const Source *src) {
  PackState st = {0};
  Vec found = {0};
  const char *text = src->text;
  for (size_t i = 0; i < src->len;) {
    const char *args = pack_args(text + i);
    if (args) {
      apply(&st, args);
      PackChange *c = xalloc(sizeof *c);
      *c = (PackChange){i, st.value};
      vec_push(&found, c);
    }
    const char *nl = memchr(text + i, '\n', src->len - i);
    if (!nl)
      break;
    i = (size_t)(nl - text) + 1;
  }
  changes = xalloc(sizeof *changes * (size_t)(found.len + 1));
  for (int i = 0; i < found.len; i++)
    changes[i] = *(PackChange *)found.items[i];
  nchanges = found.len;
  indexed = src;
}

int pragma_pack_at(const Source *src, size_t off) {
  if (indexed != src)
    index_pragmas(src);
  int lo = 0, hi = nchanges; /* the last change before off */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (changes[mid].off < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo ? changes[lo - 1].value : 0;
}

const char *pragma_pack_wrap(const Source *src, size_t at, const char *text) {
  int n = pragma_pack_at(src, at);
  if (!n)
    return text;
  return xformat("#pragma pack(push, %d)\n%s\n#pragma pack(pop)", n, text);
}
