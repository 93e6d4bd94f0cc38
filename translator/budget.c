/*
 * budget.c: frame budgets.  `acc --max-frame=N` limits every async
 * function's frame to N bytes, `#pragma acc max_frame(N)` the next async
 * function defined after it (the pragma wins over the option for that
 * function).  A frame over its limit is an error at the function, followed
 * by the layout of its largest state: the fields live there, which are
 * what a smaller frame would have to give up or move to the heap.
 *
 *   big.ac:8:18: error: the frame of async function 'work' is 4136 bytes,
 *   over its limit of 1024 bytes (--max-frame=1024)
 *   big.ac:12:5: note: its largest state, AwaitingSleep (await
 *   ac_sleep_ms(1) at 12:5), keeps 4124 bytes live:
 *       offset  size  field
 *            8  4096  local buf (line 10)
 */
#include "cli.h"
#include "ir.h"
#include "pragma.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Limit {
  size_t bytes;
  const char *why;  /* "--max-frame=N" or "#pragma acc max_frame(N)" */
} Limit;

static bool parse_bytes(const char *text, size_t *out) {
  if (!text)
    return false;
  char *end;
  unsigned long long v = strtoull(text, &end, 0);
  while (*end == ' ' || *end == '\t')
    end++;
  if (end == text || *end || v == 0)
    return false;
  *out = (size_t)v;
  return true;
}

/* The pragma limits, assigned to the next async definition after each. */
static void pragma_limits(Program *p, Limit *limits) {
  const Vec *all = pragma_all(p->src);
  for (int i = 0; i < all->len; i++) {
    const AccPragma *pr = all->items[i];
    if (strcmp(pr->name, "max_frame"))
      continue;
    size_t n;
    if (!parse_bytes(pr->args, &n)) {
      error_at(pr->name_off, "'#pragma acc max_frame' takes a positive "
                             "number of bytes: '#pragma acc max_frame(256)'");
      continue;
    }
    int next = -1;
    for (int j = 0; j < p->funcs.len && next < 0; j++)
      if (((AsyncFunc *)p->funcs.items[j])->def->begin > pr->off)
        next = j;
    if (next < 0) {
      warn_at(pr->name_off, "'#pragma acc max_frame' is not followed by an "
                            "async function definition; it limits nothing");
      continue;
    }
    limits[next].bytes = n;
    limits[next].why = xformat("#pragma acc max_frame(%s)", pr->args);
  }
}

static bool live_in(Slot *s, int state) {
  if (s->kind == SL_STATE || s->kind == SL_PARAM)
    return true;
  for (int i = 0; i < s->live.len; i++)
    if ((intptr_t)s->live.items[i] == state)
      return true;
  return false;
}

static const char *field_text(Program *p, AsyncFunc *fn, Slot *s) {
  switch (s->kind) {
  case SL_STATE:
    return "state word";
  case SL_PARAM:
    return xformat("param %s", s->decl->name);
  case SL_LOCAL:
    return xformat("local %s (line %d)", s->decl->name,
                   source_loc(p->src, s->decl->name_off).line);
  case SL_LITERAL:
    return xformat("compound literal (line %d)",
                   source_loc(p->src, s->lit->begin).line);
  case SL_CHILD: {
    Site *k = s->site; /* or, in a combinator, the branch it belongs to */
    for (int i = 0; i < fn->children.len; i++)
      if (((Site *)fn->children.items[i])->child == s)
        k = fn->children.items[i];
    return xformat("future of await %s (line %d)", k->callee, k->line);
  }
  default:
    for (int i = 0; i < fn->sites.len + fn->children.len; i++) {
      Site *k = i < fn->sites.len ? fn->sites.items[i]
                                  : fn->children.items[i - fn->sites.len];
      if (k->result == s)
        return xformat("value of await %s (line %d)", k->callee, k->line);
    }
    return "spilled operand";
  }
}

static void report(Program *p, AsyncFunc *fn, const Limit *lim) {
  error_at(fn->decl->name_off,
           "the frame of async function '%s' is %zu bytes, over its limit "
           "of %zu bytes (%s)",
           fn->name, fn->size, lim->bytes, lim->why);
  int at;
  size_t live = layout_largest_live(fn, &at);
  if (at == 0) {
    note_at(fn->decl->name_off, "its largest state, Start, keeps %zu bytes "
                                "live (the parameters):", live);
  } else {
    Site *k = fn->sites.items[at - 1];
    note_at(k->await->begin, "its largest state, %s (await %s at %d:%d), "
                             "keeps %zu bytes live:",
            graph_state_name(fn, at), graph_await_text(p, k), k->line, k->col,
            live);
  }
  fprintf(stderr, "    %6s %5s  %s\n", "offset", "size", "field");
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    if (live_in(s, at))
      fprintf(stderr, "    %6zu %5zu  %s\n", s->offset, s->size,
              field_text(p, fn, s));
  }
}

void budget_check(Program *p, size_t max_frame, const char *flag) {
  if (!p->funcs.len)
    return;
  Limit *limits = xalloc(sizeof *limits * (size_t)p->funcs.len);
  for (int i = 0; i < p->funcs.len; i++)
    limits[i] = (Limit){max_frame, flag};
  pragma_limits(p, limits);
  bool any = false;
  for (int i = 0; i < p->funcs.len; i++)
    any |= limits[i].bytes != 0;
  if (!any)
    return;
  layout_program(p);
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    if (limits[i].bytes && fn->size > limits[i].bytes)
      report(p, fn, &limits[i]);
  }
}
