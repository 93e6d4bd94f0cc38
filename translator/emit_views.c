/*
 * emit_views.c: the text views of the IR, --emit=states and --emit=layout.
 *
 * states: per async function, its states in order, each with the await
 * site's .ac position, what it awaits and how the child is stored.
 * layout: per frame, every field with its offset, size, the states it is
 * live in and the union it shares storage through; then the frame's total
 * and the largest live set at any suspension point (the lower bound the
 * layout test compares the total with).
 */
#include "ir.h"

#include <stdint.h>
#include <string.h>

static const char *kind_name(ChildKind k) {
  switch (k) {
  case CH_FRAME: return "inline frame";
  case CH_BOXED: return "boxed frame (heap, f__new)";
  case CH_EXTERN: return "extern frame (heap, f__new)";
  case CH_LEAF: return "leaf future, inline";
  case CH_LOCAL: return "future held by a local, polled in place";
  case CH_PLACE: return "future held in an lvalue, polled through a pointer";
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
                 s->callee, s->line, s->col, s->out_type, kind_name(s->kind),
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
  case SL_STATE: return "state";
  case SL_PARAM: return xformat("param %s", s->decl->name);
  case SL_LOCAL: return xformat("local %s", s->decl->name);
  case SL_TEMP: return "temporary";
  case SL_CHILD: return xformat("child of state %d", s->site->state);
  case SL_LITERAL: return "compound literal";
  }
  return "?";
}

/* The bytes live at one state: the fields live there, alignment aside. */
static size_t live_bytes(AsyncFunc *fn, int state) {
  size_t n = 0;
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    bool live = s->kind == SL_STATE || s->kind == SL_PARAM;
    for (int j = 0; !live && j < s->live.len; j++)
      live = (int)(intptr_t)s->live.items[j] == state;
    if (live)
      n += s->size;
  }
  return n;
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
    size_t best = live_bytes(fn, 0);
    int at = 0;
    for (int j = 0; j < fn->sites.len; j++) {
      size_t b = live_bytes(fn, j + 1);
      if (b > best)
        best = b, at = j + 1;
    }
    for (int j = 0; j < fn->notes.len; j++)
      str_printf(out, "  note: %s\n", (char *)fn->notes.items[j]);
    str_printf(out, "  total %zu; largest live set %zu bytes (state %d)\n",
               fn->size, best, at);
  }
}
