/*
 * emit_combinator.c: the await sequence of a combinator site
 * (lower_combinator.c) in the poll function, and its case in f__drop.
 *
 *   ac_first / ac_within:            ac_all:
 *     <start every branch>             <start every branch>
 *     ac__F->ac__state = K;                    ac__F->ac__m3 = 0x3ull;
 *   ac__sK:                            ac__F->ac__state = K;
 *     if (POLL0 == AC_POLL_READY)    ac__sK:
 *       ac__F->ac__t = 0;                      if ((ac__F->ac__m3 & 0x1ull) && POLL0 == READY) {
 *     else if (POLL1 == ...)             ac__F->ac__m3 &= ~0x1ull;
 *       ac__F->ac__t = 1;                        DROP0
 *     else                             }
 *       return AC_POLL_PENDING;        ...
 *     DROP0 DROP1                      if (ac__F->ac__m3)
 *                                        return AC_POLL_PENDING;
 *
 * Branches are polled in order on every poll, so an earlier branch wins a
 * tie (tokio's `biased;`).  Each branch is dropped exactly once: ac_first
 * drops them all as soon as one is ready (the winner too: after its ready,
 * drop releases nothing), ac_all each one as it completes, and f__drop in
 * this state drops those still running.
 */
#include "ir.h"

#include <string.h>

static const char *poll_call(Site *b) {
  return xformat("%s(%s, ac__cx, %s) == AC_POLL_READY", b->poll,
                 emit_child_ref(b),
                 b->result ? xformat("&ac__F->%s", b->result->name) : "(void *)0");
}

static void drop_branch(Site *b, Str *out) {
  str_printf(out, "%s(%s);\n", b->drop, emit_child_ref(b));
  if (emit_owns_heap(b))
    str_printf(out, "__builtin_free(ac__F->%s);\nac__F->%s = 0;\n", b->child->name,
               b->child->name);
}

static unsigned long long bit(int i) { return 1ull << i; }

static unsigned long long all_bits(int n) {
  return n >= 64 ? ~0ull : bit(n) - 1;
}

/* ac_within's sleep is its last branch but starts first: its deadline is
   the form's first operand. */
static void start_branches(Site *c, Str *out) {
  int n = c->branches.len;
  for (int k = 0; k < n; k++) {
    int i = c->comb == CB_WITHIN ? n - 1 - k : k;
    Site *b = c->branches.items[i];
    if (b->init)
      str_printf(out, "%s\n", b->init);
  }
}

static void poll_first(Site *c, Str *out) {
  for (int i = 0; i < c->branches.len; i++) {
    const char *won = c->comb == CB_WITHIN && i == 1 ? "AC_ETIMEDOUT"
                                                      : xformat("%d", i);
    str_printf(out, "%sif (%s) {\nac__F->%s = %s;\n}\n", i ? "else " : "",
               poll_call(c->branches.items[i]), c->result->name, won);
  }
  str_puts(out, "else {\nreturn AC_POLL_PENDING;\n}\n");
  for (int i = 0; i < c->branches.len; i++)
    drop_branch(c->branches.items[i], out);
}

static void poll_all(Site *c, Str *out) {
  const char *m = c->mask->name;
  for (int i = 0; i < c->branches.len; i++) {
    str_printf(out, "if ((ac__F->%s & %#llxull) && %s) {\nac__F->%s &= ~%#llxull;\n", m,
               bit(i), poll_call(c->branches.items[i]), m, bit(i));
    drop_branch(c->branches.items[i], out);
    str_puts(out, "}\n");
  }
  str_printf(out, "if (ac__F->%s) {\nreturn AC_POLL_PENDING;\n}\n", m);
}

void emit_combinator_await(Site *c, Str *out) {
  start_branches(c, out);
  if (c->mask)
    str_printf(out, "ac__F->%s = %#llxull;\n", c->mask->name,
               all_bits(c->branches.len));
  str_printf(out, "ac__F->ac__state = %d;\nac__s%d:\n", c->state, c->state);
  if (c->comb == CB_ALL)
    poll_all(c, out);
  else
    poll_first(c, out);
}

/* In f__drop's switch, at the depth of a case's statements. */
void emit_combinator_drop(Site *c, Str *out) {
  for (int i = 0; i < c->branches.len; i++) {
    Str d = {0};
    drop_branch(c->branches.items[i], &d);
    const char *pad = c->mask ? "      " : "    ";
    if (c->mask)
      str_printf(out, "    if (ac__F->%s & %#llxull) {\n", c->mask->name, bit(i));
    for (const char *p = str_cstr(&d); *p;) {
      const char *nl = strchr(p, '\n');
      str_printf(out, "%s%.*s\n", pad, (int)(nl - p), p);
      p = nl + 1;
    }
    if (c->mask)
      str_puts(out, "    }\n");
  }
}
