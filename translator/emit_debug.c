/*
 * emit_debug.c: the debug table of each async function in the translated C
 * (ac.h, "debug metadata"), for the gdb extension and the tracer.
 *
 * A debugger that guessed frame members from their C names would break
 * whenever acc renames them; the table says it instead, in terms acc
 * controls: per field its source name, C member, type, offset and size
 * (offsetof and sizeof, so the C compiler that builds the frame fills
 * them in); per state its name, the .ac position and text of its await,
 * where the child future lives and whose table describes it (for a
 * combinator's await, the same for each branch), and which fields are live
 * there.  After the last async function, the file
 * registers its tables with the runtime from a constructor.
 *
 *   static const ac_debug_field_t hello__debug_fields[] = {...};
 *   static const uint32_t hello__debug_live[] = {...};
 *   static const ac_debug_branch_t run__debug_branches[] = {...};
 *   static const ac_debug_state_t hello__debug_states[] = {...};
 *   static const ac_debug_func_t hello__debug = {AC_DEBUG_VERSION, 3, ...};
 */
#include "cli.h"
#include "ir.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* emit_debug_table's flush and its argument, while it writes. */
static void (*flush_fn)(void *);
static void *flush_arg;

static void flush_now(void) {
  if (flush_fn)
    flush_fn(flush_arg);
}

static void c_string(Str *out, const char *s) {
  if (!s) {
    str_puts(out, "0");
    return;
  }
  str_puts(out, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    const unsigned char *run = c; /* plain characters go in one piece */
    while (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\' &&
           !(*c == '?' && c[1] == '?'))
      c++;
    str_add(out, (const char *)run, (size_t)(c - run));
    if (!*c)
      break;
    if (*c == '"' || *c == '\\')
      str_printf(out, "\\%c", *c);
    else if (*c < 0x20 || *c >= 0x7f)
      str_printf(out, "\\%03o", *c);
    else /* ?? : no trigraphs */
      str_puts(out, "?\"\"");
  }
  str_puts(out, "\"");
}

static bool is_extern(Program *p, const char *name) {
  return name && map_get(&p->extern_by_name, name);
}

/* acc writes a function where the .ac file defines it, not in a header
   (emit_c.c's rule); only those have tables. */
bool emit_debug_has_table(Program *p, AsyncFunc *fn) {
  return fn && source_loc(p->src, fn->def->begin).in_main &&
         source_loc(p->src, fn->def->end).in_main;
}

/* The fields the table lists: every slot but the state word. */
static bool listed(const Slot *s) { return s->kind != SL_STATE; }

static const char *state_member(AsyncFunc *fn) {
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    if (s->kind == SL_STATE)
      return s->name;
  }
  return "ac__state";
}

/* Each slot's index in the fields table (the number of listed slots
   before it), so that a state's live set and child cost one lookup each
   rather than a walk over the frame: a function with thousands of awaits
   has thousands of states and slots. */
static void index_fields(AsyncFunc *fn, Map *index) {
  int k = 0;
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    map_put(index, s, (void *)(intptr_t)(k + 1));
    k += listed(s);
  }
}

static int field_index(const Map *index, const Slot *slot) {
  return (int)(intptr_t)map_get(index, slot) - 1;
}

static const char *field_kind(SlotKind k) {
  switch (k) {
  case SL_PARAM: return "AC_DEBUG_PARAM";
  case SL_LOCAL: return "AC_DEBUG_LOCAL";
  case SL_TEMP: return "AC_DEBUG_TEMP";
  case SL_CHILD: return "AC_DEBUG_CHILD";
  default: return "AC_DEBUG_LITERAL";
  }
}

static int field_line(Program *p, Slot *s) {
  if (s->decl)
    return source_loc(p->src, s->decl->name_off).line;
  if (s->lit)
    return source_loc(p->src, s->lit->begin).line;
  return s->site ? s->site->line : 0;
}

static void fields(Program *p, AsyncFunc *fn, Str *out) {
  str_printf(out, "static const ac_debug_field_t %s__debug_fields[] = {\n",
             fn->name);
  int n = 0;
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    if (!listed(s))
      continue;
    str_puts(out, "  {");
    c_string(out, debug_field_name(p, fn, s));
    str_puts(out, ", ");
    c_string(out, s->name);
    str_puts(out, ", ");
    c_string(out, s->type ? s->type : "");
    str_printf(out, ", ac__DF(%s__frame, %s), %s, %d},\n", fn->name, s->name,
               field_kind(s->kind), field_line(p, s));
    flush_now();
    n++;
  }
  if (!n) /* no empty initializer in C11 */
    str_puts(out, "  {0, 0, 0, 0, 0, 0, 0}\n");
  str_puts(out, "};\n");
}

/* A state's live set in slot order, each field once. */
static void add_live(Vec *set, int field) {
  if (!set->len || (intptr_t)set->items[set->len - 1] != field)
    vec_push(set, (void *)(intptr_t)field);
}

/* All states' live sets in one array; *starts gets each one's start.
   State 0 (the start) holds the parameters and the done state nothing;
   each await's state gathers its fields from the slots' own lists of
   states, so the cost follows the sizes of those lists rather than states
   times slots. */
static void live_sets(AsyncFunc *fn, const Map *index, Str *out, int *starts,
                      int *counts) {
  int nstates = fn->sites.len + 2, at = 0;
  Vec *sets = xalloc(sizeof(Vec) * (size_t)nstates);
  for (int i = 0; i < fn->slots.len; i++) {
    Slot *s = fn->slots.items[i];
    if (!listed(s))
      continue;
    int f = field_index(index, s);
    if (s->kind == SL_PARAM)
      add_live(&sets[0], f);
    for (int j = 0; j < s->live.len; j++) {
      intptr_t k = (intptr_t)s->live.items[j];
      if (k >= 1 && k <= fn->sites.len)
        add_live(&sets[k], f);
    }
  }
  str_printf(out, "static const uint32_t %s__debug_live[] = {", fn->name);
  for (int k = 0; k < nstates; k++) {
    starts[k] = at;
    counts[k] = sets[k].len;
    for (int i = 0; i < sets[k].len; i++)
      str_printf(out, "%s%d", at++ ? ", " : "",
                 (int)(intptr_t)sets[k].items[i]);
    free(sets[k].items);
  }
  free(sets);
  str_printf(out, "%s};\n", at ? "" : "0");
}

static const char *child_kind(Site *s) {
  if (site_is_dyn(s))
    return "AC_DEBUG_CHILD_DYN";
  switch (s->kind) {
  case CH_FRAME: return "AC_DEBUG_CHILD_INLINE";
  case CH_BOXED: case CH_EXTERN: return "AC_DEBUG_CHILD_HEAP";
  case CH_LEAF: return "AC_DEBUG_CHILD_LEAF";
  case CH_LOCAL: /* the future is the local itself */
    return s->callee_decl ? "AC_DEBUG_CHILD_INLINE" : "AC_DEBUG_CHILD_LEAF";
  default: /* CH_PLACE: a pointer; to a heap frame if the local is one */
    return s->child->kind == SL_LOCAL ? "AC_DEBUG_CHILD_HEAP"
                                      : "AC_DEBUG_CHILD_PLACE";
  }
}

/* The table of the awaited async function, if acc writes one for it. */
static void child_table(Program *p, Site *s, Str *out) {
  if (s->callee_decl &&
      (emit_debug_has_table(p, lower_func_named(p, s->callee)) ||
       is_extern(p, s->callee)))
    str_printf(out, "&%s__debug", s->callee);
  else
    str_puts(out, "0");
}

static void state_entry(Str *out, const char *name, const char *expr,
                        const char *callee, int line, int col) {
  str_puts(out, "  {");
  c_string(out, name);
  str_puts(out, ", ");
  c_string(out, expr);
  str_puts(out, ", ");
  c_string(out, callee);
  str_printf(out, ", %d, %d, ", line, col);
}

/* Branch i of combinator c as written; ac_within's deadline has no
   expression of its own. */
static const char *branch_text(Program *p, Site *c, int i) {
  Node *call = c->await ? c->await->lhs : NULL;
  if (!call || call->kind != ND_CALL)
    return "";
  int k = combinator_first_branch(call) + i;
  return k < call->args.len ? graph_node_text(p, call->args.items[k])
                            : "deadline";
}

/* The branches of every combinator await of fn, in one array; a state's
   entry points at its own. */
static void branches(Program *p, AsyncFunc *fn, const Map *index, Str *out) {
  int n = 0;
  for (int k = 0; k < fn->sites.len; k++)
    n += ((Site *)fn->sites.items[k])->kind == CH_COMBINATOR;
  if (!n)
    return;
  str_printf(out, "static const ac_debug_branch_t %s__debug_branches[] = {\n",
             fn->name);
  for (int k = 0; k < fn->sites.len; k++) {
    Site *c = fn->sites.items[k];
    for (int i = 0; c->kind == CH_COMBINATOR && i < c->branches.len; i++) {
      Site *b = c->branches.items[i];
      str_puts(out, "  {");
      c_string(out, branch_text(p, c, i));
      str_puts(out, ", ");
      c_string(out, b->callee);
      str_printf(out, ", %d, %d, %s, %d, ", b->line, b->col, child_kind(b),
                 field_index(index, b->child));
      child_table(p, b, out);
      str_puts(out, "},\n");
      flush_now();
    }
  }
  str_puts(out, "};\n");
}

static void states(Program *p, AsyncFunc *fn, Str *out) {
  int nstates = fn->sites.len + 2, nbranches = 0;
  int *starts = xalloc(sizeof(int) * (size_t)nstates);
  int *counts = xalloc(sizeof(int) * (size_t)nstates);
  Map index = {0};
  index_fields(fn, &index);
  live_sets(fn, &index, out, starts, counts);
  branches(p, fn, &index, out);
  str_printf(out, "static const ac_debug_state_t %s__debug_states[] = {\n",
             fn->name);
  for (int k = 0; k < nstates; k++) {
    const char *name = graph_state_name(fn, k);
    if (k == 0 || k == nstates - 1) {
      state_entry(out, name, NULL, NULL, fn->line, 0);
      str_puts(out, "AC_DEBUG_CHILD_NONE, AC_DEBUG_NONE, 0");
    } else {
      Site *s = fn->sites.items[k - 1];
      char *text = graph_await_text(p, s);
      state_entry(out, name, text, s->callee, s->line, s->col);
      free(text);
      if (s->kind == CH_COMBINATOR) /* several children: the branches */
        str_puts(out, "AC_DEBUG_CHILD_NONE, AC_DEBUG_NONE, 0");
      else {
        str_printf(out, "%s, %d, ", child_kind(s),
                   field_index(&index, s->child));
        child_table(p, s, out);
      }
    }
    str_printf(out, ",\n   %s__debug_live + %d, %d", fn->name, starts[k],
               counts[k]);
    Site *c = k && k < nstates - 1 ? fn->sites.items[k - 1] : NULL;
    if (c && c->kind == CH_COMBINATOR) {
      str_printf(out, ", %d, %s__debug_branches + %d, ", c->branches.len,
                 fn->name, nbranches);
      if (c->mask)
        str_printf(out, "%d},\n", field_index(&index, c->mask));
      else
        str_puts(out, "AC_DEBUG_NONE},\n");
      nbranches += c->branches.len;
    } else {
      str_puts(out, ", 0, 0, AC_DEBUG_NONE},\n");
    }
    flush_now();
  }
  str_puts(out, "};\n");
  map_free(&index);
  free(starts);
  free(counts);
}

void emit_debug_prelude(Program *p, Str *out) {
  /* a field's offset and size: the tables of a function with thousands of
     awaits list as many fields, and this is most of their text */
  str_puts(out, "#define ac__DF(T, m) __builtin_offsetof(T, m), "
                "sizeof(((T *)0)->m)\n");
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    if (emit_debug_has_table(p, fn))
      str_printf(out, "%sconst ac_debug_func_t %s__debug;\n",
                 fn->is_static ? "static " : "extern ", fn->name);
  }
  /* Another file's function has a table if acc translated that file. */
  for (int i = 0; i < p->externs.len; i++)
    str_printf(out,
               "extern const ac_debug_func_t %s__debug "
               "__attribute__((weak));\n",
               ((ExternAsync *)p->externs.items[i])->name);
}

void emit_debug_table(Program *p, AsyncFunc *fn, Str *out,
                      void (*flush)(void *), void *arg) {
  flush_fn = flush;
  flush_arg = arg;
  fields(p, fn, out);
  states(p, fn, out);
  int nfields = 0;
  for (int i = 0; i < fn->slots.len; i++)
    nfields += listed(fn->slots.items[i]);
  str_printf(out, "%sconst ac_debug_func_t %s__debug = {\n"
             "  AC_DEBUG_VERSION, %d, %d,\n"
             "  (uint32_t)__builtin_offsetof(%s__frame, %s),\n"
             "  (uint32_t)sizeof(%s__frame), (uint32_t)_Alignof(%s__frame), "
             "%d,\n  ",
             fn->is_static ? "static " : "", fn->name, fn->sites.len + 2,
             nfields, fn->name, state_member(fn), fn->name, fn->name,
             fn->line);
  str_printf(out, "%s__name, ", fn->name);
  c_string(out, p->src->path);
  str_puts(out, ", ");
  char *frame = xformat("%s__frame", fn->name);
  c_string(out, frame);
  free(frame);
  /* no vtable: the vtable's name is the table's (emit_debug_name), and a
     reference here would keep the vtable, its poll and its drop in the
     object however the file uses them.  No function either: taking the
     address of f__run or f__now would keep an out-of-line copy of each
     and mark it address-taken for gcc's interprocedural passes (3% of gcc
     -O1's time on funcs 100); gdb finds the table of a C frame of f__run,
     f__now or f__poll by name, from that frame's block (gdb/acc.py,
     body_table) */
  str_printf(out, ",\n  %s__debug_states, %s__debug_fields, 0, 0};\n",
             fn->name, fn->name);
  flush_fn = NULL;
}

void emit_debug_name(Program *p, AsyncFunc *fn, Str *out) {
  str_printf(out, "static const char %s__name[] = ", fn->name);
  c_string(out, fn->name);
  str_puts(out, " \"\\0\" ");
  c_string(out, p->src->path);
  str_puts(out, ";\n");
}

bool emit_debug_is_last(Program *p, AsyncFunc *fn) {
  for (int i = p->funcs.len - 1; i >= 0; i--)
    if (emit_debug_has_table(p, p->funcs.items[i]))
      return p->funcs.items[i] == fn;
  return false;
}

void emit_debug_unit(Program *p, Str *out) {
  str_puts(out, "static const ac_debug_func_t *const ac__debug_funcs[] = {");
  int n = 0;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    if (emit_debug_has_table(p, fn))
      str_printf(out, "%s&%s__debug", n++ ? ", " : "", fn->name);
  }
  /* Weak: a program that uses ac.h's types without linking libacrt
     (hand-written leaves only) has no registry, and needs none. */
  str_printf(out, "};\nstatic ac_debug_unit_t ac__debug_unit = "
             "{ac__debug_funcs, %d, 0};\n"
             "__attribute__((weak)) void ac_debug_register(ac_debug_unit_t *);\n"
             "__attribute__((constructor)) static void ac__debug_init(void) {\n"
             "  if (ac_debug_register)\n"
             "    ac_debug_register(&ac__debug_unit);\n}\n",
             n);
}
