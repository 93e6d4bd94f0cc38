/*
 * emit_graph.c: the views for tools, from the same IR as the C output:
 * `--emit=dot`, a Graphviz state diagram, and `--emit=json`, everything the
 * states and layout views show, in the schema documented in docs/cli.md.
 *
 * Both number the states as the IR does: 0 is Start (not yet polled), each
 * await site is its Site.state (1..n), and Done is n + 1 (the C code stores
 * its own marker for Done).  The edges are AsyncFunc.next (transitions.c).
 * A state is named after what it
 * waits for: `await hello()` is AwaitingHello, `await ac_sleep_ms(5)` (leaf
 * type ac_sleep_t) is AwaitingSleep; when two sites of one function wait for
 * the same callee, both names get their state number.
 *
 * The output is deterministic (source order throughout), so it can be
 * diffed and kept as a golden file.
 */
#include "ir.h"

#include <stdint.h>
#include <string.h>

static Site *site_at(AsyncFunc *f, int i) { return f->sites.items[i]; }

static int done_state(AsyncFunc *f) { return f->sites.len + 1; }

static const char *child_kind(const Site *s) {
  if (site_is_dyn(s))
    return "pointer";
  switch (s->kind) {
  case CH_FRAME: return "frame";
  case CH_BOXED: return "boxed";
  case CH_EXTERN: return "extern";
  case CH_LEAF: return "leaf";
  case CH_LOCAL: return "local";
  case CH_PLACE: return "place";
  case CH_COMBINATOR: return "combinator";
  default: return "other"; /* a kind newer than this view */
  }
}

static const char *slot_kind(SlotKind k) {
  switch (k) {
  case SL_STATE: return "state";
  case SL_PARAM: return "param";
  case SL_LOCAL: return "local";
  case SL_TEMP: return "temp";
  case SL_CHILD: return "child";
  case SL_LITERAL: return "literal";
  default: return "other"; /* a kind newer than this view */
  }
}

/* The nearest union that holds the slot, or NULL. */
static Group *slot_union(Slot *s) {
  for (Group *g = s->group; g; g = g->parent)
    if (g->is_union)
      return g;
  return NULL;
}

/* ==== --emit=dot ==== */

/* A DOT string body: quotes and backslashes escaped. */
static void dot_str(Str *out, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      str_add(out, "\\", 1);
    str_add(out, s, 1);
  }
}

static char *shorten(char *s, size_t max) {
  if (strlen(s) > max)
    strcpy(s + max - 3, "...");
  return s;
}

static void dot_node(Str *out, Program *p, AsyncFunc *f, int state) {
  str_printf(out, "    \"%s.%d\" [label=\"", f->name, state);
  dot_str(out, graph_state_name(f, state));
  if (state == 0) {
    str_printf(out, "\\nline %d\", shape=oval];\n", f->line);
  } else if (state == done_state(f)) {
    str_puts(out, "\", shape=doublecircle];\n");
  } else {
    Site *site = site_at(f, state - 1);
    str_puts(out, "\\nawait ");
    dot_str(out, shorten(graph_await_text(p, site), 48));
    str_printf(out, "\\nline %d\"", site->line);
    if (site->kind == CH_BOXED || site->kind == CH_EXTERN)
      str_puts(out, ", style=\"rounded,dashed\"");
    str_puts(out, "];\n");
  }
}

static void dot_edge(Str *out, Program *p, AsyncFunc *f, int from, int to) {
  str_printf(out, "    \"%s.%d\" -> \"%s.%d\" [label=\"", f->name, from,
             f->name, to);
  if (to == done_state(f)) {
    str_puts(out, "return");
  } else {
    Site *site = site_at(f, to - 1);
    str_puts(out, "await ");
    dot_str(out, shorten(graph_await_text(p, site), 32));
    str_printf(out, " :%d", site->line);
  }
  str_puts(out, "\"];\n");
}

static void dot_func(Str *out, Program *p, AsyncFunc *f, int index) {
  str_printf(out, "  subgraph cluster_%d {\n    label=\"", index);
  dot_str(out, xformat("async %s %s()  line %d  frame %zu bytes",
                       f->ret_type, f->name, f->line, f->size));
  str_puts(out, "\";\n");
  for (int s = 0; s <= done_state(f); s++)
    dot_node(out, p, f, s);
  for (int s = 0; s < done_state(f); s++) {
    const Vec *succ = &f->next[s];
    for (int j = 0; j < succ->len; j++)
      dot_edge(out, p, f, s, (int)(intptr_t)succ->items[j]);
  }
  str_puts(out, "  }\n");
}

void emit_dot(Program *p, Str *out) {
  str_puts(out, "digraph \"");
  dot_str(out, p->src ? p->src->path : "");
  str_puts(out, "\" {\n"
                "  rankdir=TB;\n"
                "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
                "  edge [fontname=\"Helvetica\", fontsize=10];\n");
  for (int i = 0; i < p->funcs.len; i++)
    dot_func(out, p, p->funcs.items[i], i);
  str_puts(out, "}\n");
}

/* ==== --emit=json ==== */

static void json_str(Str *out, const char *s) {
  if (!s) {
    str_puts(out, "null");
    return;
  }
  str_add(out, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      str_printf(out, "\\%c", c);
    else if (c == '\n')
      str_puts(out, "\\n");
    else if (c == '\t')
      str_puts(out, "\\t");
    else if (c < 0x20)
      str_printf(out, "\\u%04x", c);
    else
      str_add(out, (const char *)&c, 1);
  }
  str_add(out, "\"", 1);
}

static void json_ints(Str *out, const Vec *v) {
  str_puts(out, "[");
  for (int i = 0; i < v->len; i++)
    str_printf(out, "%s%d", i ? ", " : "", (int)(intptr_t)v->items[i]);
  str_puts(out, "]");
}

/* A combinator's branches, in polling order (ac_within's deadline last). */
static void json_branches(Str *out, Site *c) {
  str_puts(out, ", \"branches\": [");
  for (int i = 0; i < c->branches.len; i++) {
    Site *b = c->branches.items[i];
    str_printf(out, "%s{\"line\": %d, \"col\": %d, \"callee\": ",
               i ? ", " : "", b->line, b->col);
    json_str(out, b->callee);
    str_printf(out, ", \"child\": \"%s\", \"field\": ", child_kind(b));
    json_str(out, b->child ? b->child->name : NULL);
    str_puts(out, ", \"output\": ");
    json_str(out, b->out_type);
    str_puts(out, "}");
  }
  str_puts(out, "]");
}

static void json_state(Str *out, Program *p, AsyncFunc *f, int state) {
  str_printf(out, "        {\"id\": %d, \"name\": ", state);
  json_str(out, graph_state_name(f, state));
  if (state == 0 || state == done_state(f)) {
    str_printf(out, ", \"kind\": \"%s\", \"line\": %d, \"await\": null, "
                    "\"callee\": null, \"child\": null, \"successors\": ",
               state ? "done" : "start", f->line);
    json_ints(out, &f->next[state]);
  } else {
    Site *site = site_at(f, state - 1);
    str_printf(out, ", \"kind\": \"await\", \"line\": %d, \"col\": %d, "
                    "\"await\": ",
               site->line, site->col);
    json_str(out, graph_await_text(p, site));
    str_puts(out, ", \"callee\": ");
    json_str(out, site->callee);
    str_printf(out, ", \"child\": \"%s\", \"output\": ", child_kind(site));
    json_str(out, site->out_type);
    if (site->kind == CH_COMBINATOR)
      json_branches(out, site);
    str_puts(out, ", \"successors\": ");
    json_ints(out, &f->next[state]);
  }
  str_puts(out, "}");
}

static void json_field(Str *out, Program *p, AsyncFunc *f, Slot *s) {
  str_puts(out, "          {\"name\": ");
  json_str(out, s->name);
  /* What it holds, without the await's position, so a diff of two
     builds pairs fields when lines move (layout_diff.c). */
  const char *src = s->kind == SL_STATE ? "state" : debug_field_name(p, f, s);
  const char *at = s->kind == SL_TEMP || s->kind == SL_CHILD
                       ? strstr(src, " at ") : NULL;
  str_puts(out, ", \"source\": ");
  json_str(out, at ? xstrndup(src, (size_t)(at - src)) : src);
  str_printf(out, ", \"kind\": \"%s\", \"type\": ", slot_kind(s->kind));
  json_str(out, s->type);
  str_printf(out, ", \"offset\": %zu, \"size\": %zu, \"align\": %zu, "
                  "\"live_in_states\": ",
             s->offset, s->size, s->align);
  json_ints(out, &s->live);
  Group *u = slot_union(s);
  str_puts(out, ", \"union\": ");
  json_str(out, u ? (u->label ? u->label : "union") : NULL);
  str_puts(out, "}");
}

static void json_boxed(Str *out, AsyncFunc *f) {
  str_puts(out, "      \"boxed\": [");
  bool first = true;
  for (int i = 0; i < f->children.len; i++) { /* a combinator's branches too */
    Site *site = f->children.items[i];
    if (site->kind != CH_BOXED && site->kind != CH_EXTERN)
      continue;
    str_printf(out, "%s{\"state\": %d, \"callee\": ", first ? "" : ", ",
               site->state);
    json_str(out, site->callee);
    str_printf(out, ", \"reason\": \"%s\"}",
               site->kind == CH_BOXED ? "recursion" : "extern");
    first = false;
  }
  str_puts(out, "],\n");
}

static void json_func(Str *out, Program *p, AsyncFunc *f) {
  str_puts(out, "    {\n      \"name\": ");
  json_str(out, f->name);
  str_puts(out, ",\n      \"result\": ");
  json_str(out, f->ret_type);
  str_printf(out, ",\n      \"line\": %d, \"static\": %s, \"main\": %s, "
                  "\"recursive\": %s,\n      \"states\": [\n",
             f->line, f->is_static ? "true" : "false",
             f->is_main ? "true" : "false", f->on_cycle ? "true" : "false");
  for (int s = 0; s <= done_state(f); s++) {
    json_state(out, p, f, s);
    str_puts(out, s < done_state(f) ? ",\n" : "\n");
  }
  str_printf(out, "      ],\n      \"frame\": {\"size\": %zu, \"align\": %zu, "
                  "\"fields\": [\n",
             f->size, f->align);
  for (int i = 0; i < f->slots.len; i++) {
    json_field(out, p, f, f->slots.items[i]);
    str_puts(out, i + 1 < f->slots.len ? ",\n" : "\n");
  }
  int at;
  size_t live = layout_largest_live(f, &at);
  str_printf(out, "      ], \"largest_live_bytes\": %zu, "
                  "\"largest_live_state\": %d},\n", live, at);
  json_boxed(out, f);
  str_puts(out, "      \"notes\": [");
  for (int i = 0; i < f->notes.len; i++) {
    str_puts(out, i ? ", " : "");
    json_str(out, f->notes.items[i]);
  }
  str_puts(out, "]\n    }");
}

void emit_json(Program *p, Str *out) {
  str_puts(out, "{\n  \"version\": 1,\n  \"file\": ");
  json_str(out, p->src ? p->src->path : NULL);
  str_puts(out, ",\n  \"functions\": [\n");
  for (int i = 0; i < p->funcs.len; i++) {
    json_func(out, p, p->funcs.items[i]);
    str_puts(out, i + 1 < p->funcs.len ? ",\n" : "\n");
  }
  str_puts(out, "  ]\n}\n");
}
