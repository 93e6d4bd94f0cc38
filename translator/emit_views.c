/*
 * emit_views.c: the text views of the IR, --emit=states and --emit=layout.
 *
 * states: per async function, its states in order, each with the await
 * site's .ac position, what it awaits and how the child is stored.
 * layout: per frame, every field with its offset, size, the states it is
 * live in and the union it shares storage through; then the frame's total
 * and the largest live set at any suspension point (the lower bound the
 * layout test compares the total with); then, per field and state, why it
 * is live there: which await it crosses, in the user's words.
 */
#include "ir.h"
#include "live_locals.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(const Site *s) {
  if (site_is_dyn(s))
    return "call through an async function pointer, its frame in an ac_dyn_t";
  switch (s->kind) {
  case CH_FRAME: return "inline frame";
  case CH_BOXED: return "boxed frame (heap, f__new)";
  case CH_EXTERN: return "extern frame (heap, f__new)";
  case CH_LEAF: return "leaf future, inline";
  case CH_LOCAL: return "future held by a local, polled in place";
  case CH_PLACE: return "future held in an lvalue, polled through a pointer";
  case CH_COMBINATOR: return "combinator, its branches inline";
  }
  return "?";
}

/* "Start -> 1, Done": where execution can go next from `state`. */
static void successors(AsyncFunc *fn, int state, Str *out) {
  const Vec *next = &fn->next[state];
  str_puts(out, " ->");
  for (int k = 0; k < next->len; k++)
    str_printf(out, "%s %s", k ? "," : "",
               graph_state_name(fn, (int)(intptr_t)next->items[k]));
  str_puts(out, "\n");
}

/*
 * The states view reads like the seed's explanation of a state machine:
 *
 *   main (line 16): Start, AwaitingHello, Done
 *     Start                  -> AwaitingHello
 *     AwaitingHello (1)      await hello at 17:3 -> void (inline frame, c1)
 *                            -> Done
 */
void emit_states(Program *p, Str *out) {
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    int done = fn->sites.len + 1;
    str_printf(out, "%s (line %d):", fn->name, fn->line);
    for (int st = 0; st <= done; st++)
      str_printf(out, "%s %s", st ? "," : "", graph_state_name(fn, st));
    str_printf(out, "\n  %-22s", "Start (0)");
    successors(fn, 0, out);
    for (int j = 0; j < fn->sites.len; j++) {
      Site *s = fn->sites.items[j];
      const char *name = xformat("%s (%d)", graph_state_name(fn, s->state),
                                 s->state);
      str_printf(out, "  %-22s await %s at %d:%d -> %s (%s%s%s)\n", name,
                 s->callee, s->line, s->col, s->out_type, kind_name(s),
                 s->child ? ", field " : "", s->child ? s->child->name : "");
      str_printf(out, "  %-22s", "");
      successors(fn, s->state, out);
    }
    str_printf(out, "  %-22s returned (state " DONE_STATE ")\n", "Done");
  }
}

static const char *live_text(Slot *s, int nstates) {
  if (s->kind == SL_STATE || s->kind == SL_PARAM)
    return "all";
  if (!s->live.len)
    return "none";
  if (s->live.len == nstates && nstates > 1)
    return "all";
  Str t = {0};
  for (int i = 0; i < s->live.len; i++)
    str_printf(&t, "%s%d", i ? "," : "", (int)(intptr_t)s->live.items[i]);
  return str_cstr(&t);
}

static const char *shares(Slot *s) {
  for (Group *g = s->group; g; g = g->parent)
    if (g->is_union)
      return xformat("union@%zu (%s)", g->offset,
                     g->parent ? g->parent->label : "frame");
  return "-";
}

static const char *what(Slot *s) {
  switch (s->kind) {
  case SL_STATE: /* the state word, or what recursion keeps (recurse.c) */
    return !strcmp(s->name, "ac__state") ? "state"
           : !strcmp(s->name, "ac__cx") ? "poll's context" : "poll's out";
  case SL_PARAM: return xformat("param %s", s->decl->name);
  case SL_LOCAL: return xformat("local %s", s->decl->name);
  case SL_TEMP: return "temporary";
  case SL_CHILD: return xformat("child of state %d", s->site->state);
  case SL_LITERAL: return "compound literal";
  }
  return "?";
}

/* Why slot s is live at site k, in words. */
static const char *why(Program *p, AsyncFunc *fn, Slot *s, Site *k) {
  switch (s->kind) {
  case SL_LOCAL:
    return live_local_why(p->src, s->decl, k->await);
  case SL_CHILD:
    if (k->child == s)
      return "the future being awaited there";
    return xformat("the future of the await at %d:%d", s->site->line,
                   s->site->col);
  case SL_LITERAL:
    return "a compound literal whose block is still running";
  default:
    if (k->result == s)
      return "receives the value of this await";
    if (k->child == s)
      return "the future being awaited there, held by this local";
    return "an operand computed before the await, used after it";
  }
}

static void why_section(Program *p, AsyncFunc *fn, Str *out) {
  bool header = false;
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    if (s->kind == SL_STATE)
      continue;
    if (!header)
      str_puts(out, "  why live:\n");
    header = true;
    const char *name = debug_field_name(p, fn, s);
    if (s->kind == SL_PARAM) {
      str_printf(out, "    %s (param): in every state: stored when the "
                      "future is made\n", name);
      continue;
    }
    if (!s->live.len) {
      str_printf(out, "    %s: in no state%s\n", name,
                 s->kind == SL_LOCAL ? " (its scope holds an await, but it "
                                       "does not live across one)" : "");
      continue;
    }
    for (int j = 0; j < s->live.len; j++) {
      int st = (int)(intptr_t)s->live.items[j];
      Site *k = fn->sites.items[st - 1];
      str_printf(out, "    %s: state %d %s (await %s at %d:%d): %s\n", name,
                 st, graph_state_name(fn, st), k->callee, k->line, k->col,
                 why(p, fn, s, k));
    }
  }
}

void emit_layout(Program *p, Str *out) {
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    str_printf(out, "%s__frame: size %zu, align %zu\n", fn->name, fn->size,
               fn->align);
    str_printf(out, "  %6s %5s  %-14s %-22s %-12s %s\n", "offset", "size",
               "field", "what", "live", "shares");
    for (int j = 0; j < fn->slots.len; j++) {
      Slot *s = fn->slots.items[j];
      str_printf(out, "  %6zu %5zu  %-14s %-22s %-12s %s\n", s->offset,
                 s->size, s->name, what(s), live_text(s, fn->sites.len),
                 shares(s));
    }
    int at;
    size_t best = layout_largest_live(fn, &at);
    for (int j = 0; j < fn->notes.len; j++)
      str_printf(out, "  note: %s\n", (char *)fn->notes.items[j]);
    str_printf(out, "  total %zu; largest live set %zu bytes (state %d)\n",
               fn->size, best, at);
    why_section(p, fn, out);
  }
}
