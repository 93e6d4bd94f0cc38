/*
 * emit_c.c: the translated C file.
 *
 * The output is the .ac file as the user wrote it, with each async function
 * definition (and each async prototype) replaced by generated code: the
 * frame struct, f__init, the by-value constructor f, f__new, f__poll,
 * f__drop and f__vtable (docs/lowering.md describes the contract).  Regions
 * are found by mapping the AST's buffer offsets to .ac line:col through
 * source_loc, so includes, macros and comments outside async functions stay
 * exactly as written.  The user's code inside a poll function comes from the
 * preprocessed buffer, under #line directives that point back at the .ac.
 */
#include "emit_include.h"
#include "ir.h"
#include "oracle.h"

#include <stdlib.h>
#include <string.h>

typedef struct Emit {
  Program *p;
  Str *out;
  bool no_line;
  const char *path;   /* the file being copied, escaped for #line */
  Vec externs_done;   /* ExternAsync* already declared */
  Map externs_written; /* the same, to look them up */
  Vec edits;          /* AcEdit*: rewrites of the copied .ac text */
  AsyncFunc *fn;      /* the function being written */
  IncludeMap *incs;   /* headers written out in place (emit_include.c) */
  bool prelude;       /* write_prelude done */
  int depth;          /* of headers written out */
} Emit;

static void out(Emit *E, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out(Emit *E, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(E->out, fmt, ap);
  va_end(ap);
}

static void line_directive(Emit *E, int line) {
  if (E->no_line)
    return;
  if (E->out->len && E->out->buf[E->out->len - 1] != '\n')
    out(E, "\n");
  out(E, "#line %d \"%s\"\n", line, E->path);
}

/* A declaration of `name` with type `type`: plain when the spelling allows,
   through __typeof__ otherwise (function pointers, arrays). */
static const char *declare(const char *type, const char *name) {
  if (strpbrk(type, "([") || strstr(type, "__typeof__"))
    return xformat("__typeof__(%s) %s", type, name);
  size_t n = strlen(type);
  return xformat("%s%s%s", type, type[n - 1] == '*' ? "" : " ", name);
}

static const char *storage(AsyncFunc *fn) {
  return fn->is_static ? "static " : "";
}

static const char *out_param(AsyncFunc *fn) {
  return fn->is_void ? "void *ac__out" : declare(fn->ret_type, "*ac__out");
}

/* ==== the frame struct ==== */

static void slot_decl(Emit *E, Slot *s, int depth) {
  out(E, "%*s", depth * 2, "");
  if (s->align_spec)
    out(E, "%s ", s->align_spec);
  if (s->type) {
    out(E, "%s;", declare(s->type, s->field ? s->field : s->name));
  } else {
    /* No oracle type: the declarator as written, renamed. */
    Decl *d = s->decl;
    const char *t = E->p->src->text;
    out(E, "%.*s %.*s%s%.*s;", (int)(d->spec->end - d->spec->begin),
        t + d->spec->begin, (int)(d->name_off - d->begin), t + d->begin,
        s->field ? s->field : s->name,
        (int)(d->end - d->name_off - strlen(d->name)),
        t + d->name_off + strlen(d->name));
  }
  if (s->kind == SL_LOCAL || s->kind == SL_PARAM)
    out(E, " /* %s */", s->decl->name);
  if (s->kind == SL_LITERAL)
    out(E, " /* compound literal, line %d */",
        source_loc(E->p->src, s->lit->begin).line);
  out(E, "\n");
}

static bool group_empty(Group *g) {
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->slot || !group_empty(m->group))
      return false;
  }
  return true;
}

static int live_members(Group *g) {
  int n = 0;
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    n += m->slot || !group_empty(m->group);
  }
  return n;
}

static void group_body(Emit *E, Group *g, int depth);

static void member(Emit *E, GroupMember *m, int depth) {
  if (m->slot) {
    slot_decl(E, m->slot, depth);
    return;
  }
  Group *g = m->group;
  if (group_empty(g))
    return;
  if (live_members(g) == 1) { /* a struct or union of one: flatten */
    group_body(E, g, depth);
    return;
  }
  out(E, "%*s%s { /* %s */\n", depth * 2, "", g->is_union ? "union" : "struct",
      g->label);
  group_body(E, g, depth + 1);
  out(E, "%*s}%s%s;\n", depth * 2, "", g->member ? " " : "",
      g->member ? g->member : "");
}

static void group_body(Emit *E, Group *g, int depth) {
  for (int i = 0; i < g->members.len; i++)
    member(E, g->members.items[i], depth);
}

static void frame_struct(Emit *E, AsyncFunc *fn) {
  if (fn->emitted)
    return;
  fn->emitted = true;
  out(E, "typedef struct %s__frame %s__frame;\n", fn->name, fn->name);
  for (int i = 0; i < fn->hoisted.len; i++)
    out(E, "%s\n", (char *)fn->hoisted.items[i]);
  out(E, "struct %s__frame {\n", fn->name);
  group_body(E, fn->frame, 1);
  out(E, "};\n");
}

/* On a recursion cycle, f__new and f__drop stay out of line: inlined into
   the poll, their registers would be saved in every level's C frame. */
static const char *cold(AsyncFunc *g) {
  return g->on_cycle ? "__attribute__((noinline)) " : "";
}

static const char *new_storage(AsyncFunc *g) {
  if (!g->is_static)
    return "";
  return g->on_cycle ? "static __attribute__((unused)) "
                     : "static inline __attribute__((unused)) ";
}

static void prototypes(Emit *E, AsyncFunc *g) {
  const char *st = storage(g);
  const char *params = lower_param_text(E->p->src, g->decl);
  out(E, "%svoid %s__init(%s__frame *F%s%s);\n", st, g->name, g->name,
      g->params.len ? ", " : "", g->params.len ? params : "");
  out(E, "%sac_poll_t %s__poll(%s__frame *F, ac_context_t *ac__cx, %s);\n", st,
      g->name, g->name, out_param(g));
  out(E, "%s%svoid %s__drop(%s__frame *F);\n", st, cold(g), g->name,
      g->name);
  if (g->needs_new || !g->is_static)
    out(E, "%s%s%s__frame *%s__new(%s);\n", new_storage(g), cold(g),
        g->name, g->name, params);
}

static void extern_decl(Emit *E, ExternAsync *x) {
  if (map_get(&E->externs_written, x))
    return;
  map_put(&E->externs_written, x, x);
  vec_push(&E->externs_done, x);
  const char *n = x->name;
  out(E, "struct %s__frame;\n", n);
  out(E, "struct %s__frame *%s__new(%s);\n", n, n, x->params);
  out(E, "ac_poll_t %s__poll(struct %s__frame *, ac_context_t *, %s);\n", n, n,
      !strcmp(x->ret_type, "void") ? "void *" : declare(x->ret_type, "*"));
  out(E, "void %s__drop(struct %s__frame *);\n", n, n);
  emit_shim_proto(n, x->ret_type, x->params, false, E->out);
  emit_boxed_future(E->p, x, E->out);
  /* f__vtable polls the frame itself (ac_select, ac_timeout) */
  out(E, "extern const ac_future_vtable_t %s__vtable;\n", n);
  /* the cleanup of a local holding one that no await has run */
  out(E, "static inline __attribute__((unused)) void\n"
      "%s__release(struct %s__frame **p) {\n"
      "  if (*p) {\n    %s__drop(*p);\n    __builtin_free(*p);\n"
      "    *p = 0;\n  }\n}\n", n, n, n);
}

static ExternAsync *extern_of(Program *p, const char *name) {
  return map_get(&p->extern_by_name, name);
}

static AsyncFunc *func_named(Program *p, const char *name) {
  static Map by_name = {.strings = true};
  static Program *indexed;
  if (indexed != p) {
    map_free(&by_name);
    for (int i = p->funcs.len - 1; i >= 0; i--) { /* the first one wins */
      AsyncFunc *fn = p->funcs.items[i];
      map_put(&by_name, fn->name, fn);
    }
    indexed = p;
  }
  return map_get(&by_name, name);
}

/* ==== init, constructor, new ==== */

/* A parameter is copied into the frame with memcpy when `=` cannot store
   it (a type with const parts). */
static bool param_needs_memcpy(const char *type) {
  return !lower_assignable(type);
}

static const char *arg_names(AsyncFunc *fn) {
  Str s = {0};
  for (int i = 0; i < fn->params.len; i++)
    str_printf(&s, "%s%s", i ? ", " : "",
               ((Slot *)fn->params.items[i])->decl->name);
  return str_cstr(&s);
}

/*   before:  async int f(int a, const char *s) { ... }
 *   after:   void f__init(f__frame *F, int a, const char *s) {
 *              F->state = 0; F->a_1 = a; ... }                         */
static void init_fn(Emit *E, AsyncFunc *fn, const char *params) {
  out(E, "%svoid %s__init(%s__frame *F%s%s) {\n  F->state = 0;\n",
      storage(fn), fn->name, fn->name, fn->params.len ? ", " : "",
      fn->params.len ? params : "");
  for (int i = 0; i < fn->params.len; i++) {
    Slot *s = fn->params.items[i];
    if (param_needs_memcpy(s->type))
      out(E, "  __builtin_memcpy((void *)&F->%s, &%s, sizeof F->%s);\n",
          s->name, s->decl->name, s->name);
    else
      out(E, "  F->%s = %s;\n", s->name, s->decl->name);
  }
  out(E, "}\n");
}

static void ctor_fns(Emit *E, AsyncFunc *fn, const char *params) {
  const char *names = arg_names(fn);
  const char *sep = fn->params.len ? ", " : "";
  const char *st =
      fn->is_static ? "static inline __attribute__((unused)) " : "";
  if (!fn->is_main)
    out(E, "%s%s__frame %s(%s) {\n  %s__frame F;\n"
        "  __builtin_memset(&F, 0, sizeof F);\n  %s__init(&F%s%s);\n"
        "  return F;\n}\n", st, fn->name, fn->name, params, fn->name,
        fn->name, sep, names);
  st = new_storage(fn);
  if (fn->needs_new || !fn->is_static)
    out(E, "%s%s__frame *%s__new(%s) {\n"
        "  %s__frame *F = _Alignof(%s__frame) > 16\n"
        "    ? aligned_alloc(_Alignof(%s__frame), sizeof *F)\n"
        "    : malloc(sizeof *F);\n"
        "  if (F)\n    %s__init(F%s%s);\n  return F;\n}\n", st, fn->name,
        fn->name, params, fn->name, fn->name, fn->name, fn->name, sep, names);
}

/* ==== poll ==== */

/* The child is a heap frame the parent frees: boxed, of another TU, or a
   stored future of another TU. */
bool emit_owns_heap(Site *s) {
  return s->kind == CH_BOXED || s->kind == CH_EXTERN ||
         (s->kind == CH_PLACE && s->child->kind == SL_LOCAL);
}

const char *emit_child_ref(Site *s) {
  return s->kind == CH_BOXED || s->kind == CH_EXTERN || s->kind == CH_PLACE
             ? xformat("F->%s", s->child->name)
             : xformat("&F->%s", s->child->name);
}

/*
 * One await site:
 *     g__init(&F->c1, F->x_2);
 *     F->state = 1;
 *   ac__s1:
 *     if (g__poll(&F->c1, ac__cx, &F->t1) == AC_POLL_PENDING)
 *       return AC_POLL_PENDING;
 */
static void await_seq(Emit *E, Site *s) {
  out(E, "/* state %d %s: await %s, line %d */\n", s->state,
      graph_state_name(E->fn, s->state), s->callee, s->line);
  if (s->kind == CH_COMBINATOR) {
    emit_combinator_await(s, E->out);
    return;
  }
  if (s->init)
    out(E, "%s\n", s->init);
  /* A heap frame (recursion, another file's function) may not come:
     stop with its name rather than poll through NULL. */
  if (s->init && (s->kind == CH_BOXED || s->kind == CH_EXTERN))
    out(E, "if (!F->%s) {\n  if (ac_frame_alloc_failed)\n"
        "    ac_frame_alloc_failed(\"%s\");\n  __builtin_abort();\n}\n",
        s->child->name, s->callee);
  out(E, "F->state = %d;\nac__s%d:\n", s->state, s->state);
  out(E, "if (%s(%s, ac__cx, %s) == AC_POLL_PENDING)\n  return AC_POLL_PENDING;\n",
      s->poll, emit_child_ref(s),
      s->result ? xformat("&F->%s", s->result->name) : "(void *)0");
  if (s->kind == CH_LEAF)
    out(E, "%s(&F->%s);\n", s->done ? s->done : s->drop, s->child->name);
  else if (emit_owns_heap(s))
    out(E, "%s(F->%s);\n__builtin_free(F->%s);\nF->%s = 0;\n", s->drop,
        s->child->name, s->child->name, s->child->name);
}

/* ==== indentation of the poll body ==== */

static bool is_label_line(const char *p) {
  if (!strncmp(p, "case ", 5) || !strncmp(p, "default:", 8))
    return true;
  const char *q = p;
  while (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
         (q > p && *q >= '0' && *q <= '9'))
    q++;
  return q > p && q[0] == ':' && q[1] != ':';
}

/* Brace depth change of one line, skipping literals. */
static int brace_delta(const char *p, const char *end) {
  int d = 0;
  char quote = 0;
  for (; p < end; p++) {
    if (quote) {
      if (*p == '\\')
        p++;
      else if (*p == quote)
        quote = 0;
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    } else {
      d += (*p == '{') - (*p == '}');
    }
  }
  return d;
}

static bool opens_body(const char *p, const char *end) {
  while (end > p && end[-1] == ' ')
    end--;
  if (end == p || end[-1] == ';' || end[-1] == '{' || end[-1] == '}' ||
      end[-1] == ':')
    return false;
  return !strncmp(p, "if (", 4) || !strncmp(p, "for (", 5) ||
         !strncmp(p, "while (", 7) || !strncmp(p, "else", 4) ||
         !strncmp(p, "do", 2) || !strncmp(p, "switch (", 8);
}

/* Re-indents generated and copied code by brace depth, two spaces a level;
   labels one level out, directives at column 0. */
static void indent(Emit *E, const char *text) {
  int depth = 1;
  bool hang = false; /* the previous line was `if (...)` without its body */
  for (const char *p = text; *p;) {
    const char *eol = strchr(p, '\n');
    const char *end = eol ? eol : p + strlen(p);
    while (p < end && (*p == ' ' || *p == '\t'))
      p++;
    if (p == end) {
      p = eol ? eol + 1 : end;
      continue;
    }
    int lead = *p == '}' ? -1 : 0;
    int level = *p == '#' ? 0 : depth + lead - (is_label_line(p) ? 1 : 0);
    level += hang && *p != '{' && *p != '#';
    out(E, "%*s%.*s\n", (level > 0 ? level : 0) * 2, "", (int)(end - p), p);
    if (*p != '#') {
      depth += brace_delta(p, end);
      hang = opens_body(p, end);
    }
    p = eol ? eol + 1 : end;
  }
}

static void poll_fn(Emit *E, AsyncFunc *fn) {
  out(E, "%sac_poll_t %s__poll(%s__frame *F, ac_context_t *ac__cx, %s) {\n",
      storage(fn), fn->name, fn->name, out_param(fn));
  Str *saved = E->out, body = {0};
  E->out = &body;
  out(E, "(void)ac__cx;\n(void)ac__out;\n");
  for (int i = 0; i < fn->params.len; i++)
    if (((Slot *)fn->params.items[i])->vm_typedef)
      out(E, "%s\n", ((Slot *)fn->params.items[i])->vm_typedef);
  /* On a recursion cycle (recurse.c, recursion_slots), the context and
     the out pointer are read from the frame where the body uses them, by
     volatile loads, so the C compiler keeps neither in a register or a
     stack slot across the child's poll. */
  if (fn->on_cycle)
    out(E, "F->ac__cx = ac__cx;\n"
        "#define ac__cx (*(ac_context_t *volatile *)&F->ac__cx)\n%s",
        fn->is_void ? "" : "F->ac__out = ac__out;\n#define ac__out "
        "(*(__typeof__(ac__out) volatile *)&F->ac__out)\n");
  if (fn->sites.len) {
    out(E, "switch (F->state) {\ncase 0:\n  break;\n");
    for (int i = 0; i < fn->sites.len; i++) {
      Site *s = fn->sites.items[i];
      out(E, "case %d:\n  goto ac__s%d; /* line %d */\n", s->state, s->state,
          s->line);
    }
    out(E, "default:\n  ac__polled_after_completion(\"%s\");\n}\n",
        fn->name);
  } else {
    out(E, "if (F->state != 0)\n  ac__polled_after_completion(\"%s\");\n",
        fn->name);
  }
  for (int i = 0; i < fn->steps.len; i++) {
    Step *st = fn->steps.items[i];
    if (st->kind == ST_TEXT)
      out(E, "%s", st->text);
    else if (st->kind == ST_LINE)
      line_directive(E, st->line);
    else
      await_seq(E, st->site);
  }
  E->out = saved;
  indent(E, str_cstr(&body));
  out(E, "}\n");
  if (fn->on_cycle)
    out(E, "#undef ac__cx\n#undef ac__out\n");
}

/* ==== drop and vtable ==== */

static void indent_lines(Emit *E, const char *text, int col) {
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    out(E, "%*s%.*s\n", col, "", (int)n, p);
    p += n + (nl != NULL);
  }
}

static void drop_fn(Emit *E, AsyncFunc *fn) {
  out(E, "%s%svoid %s__drop(%s__frame *F) {\n", storage(fn), cold(fn),
      fn->name, fn->name);
  if (fn->sites.len) {
    out(E, "  switch (F->state) {\n");
    for (int i = 0; i < fn->sites.len; i++) {
      Site *s = fn->sites.items[i];
      if (s->kind == CH_COMBINATOR) {
        out(E, "  case %d:\n", s->state);
        emit_combinator_drop(s, E->out);
        if (s->cleanup)
          indent_lines(E, s->cleanup, 4);
        out(E, "    break;\n");
        continue;
      }
      out(E, "  case %d:\n    %s(%s);\n", s->state, s->drop, emit_child_ref(s));
      if (emit_owns_heap(s)) /* zeroed: a cleanup may name it (f__release) */
        out(E, "    __builtin_free(F->%s);\n    F->%s = 0;\n",
            s->child->name, s->child->name);
      if (s->cleanup)
        indent_lines(E, s->cleanup, 4);
      out(E, "    break;\n");
    }
    out(E, "  default:\n    break;\n  }\n");
  }
  out(E, "  F->state = " DONE_STATE ";\n}\n");
}

static void vtable(Emit *E, AsyncFunc *fn) {
  const char *n = fn->name;
  out(E, "static ac_poll_t %s__vpoll(void *self, ac_context_t *cx, void *out) {\n"
      "  return %s__poll((%s__frame *)self, cx, out);\n}\n", n, n, n);
  out(E, "static void %s__vdrop(void *self) { %s__drop((%s__frame *)self); }\n",
      n, n, n);
  out(E, "%sconst ac_future_vtable_t %s__vtable%s = {\n"
      "  %s__vpoll, %s__vdrop, sizeof(%s__frame), _Alignof(%s__frame),\n"
      "  %s, \"%s\"};\n", storage(fn), n,
      fn->is_static ? " __attribute__((unused))" : "", n, n, n, n,
      fn->is_void ? "0" : xformat("sizeof(%s)", fn->ret_type), n);
}

/* async int main: the real main builds the runtime and blocks on it. */
static void main_fn(Emit *E, AsyncFunc *fn, const char *params) {
  out(E, "int main(%s) {\n  main__frame F;\n  main__init(&F%s%s);\n"
      "  int status = 0;\n", fn->params.len ? params : "void",
      fn->params.len ? ", " : "", arg_names(fn));
  out(E, "  if (ac_runtime_main(%s, &main__vtable, &F, &status) < 0)\n"
      "    return 1;\n  return status;\n}\n",
      E->p->main_current_thread ? "AC_RT_CURRENT_THREAD" : "AC_RT_MULTI_THREAD");
}

static void gen_func(Emit *E, AsyncFunc *fn) {
  E->fn = fn;
  const char *params = lower_param_text(E->p->src, fn->decl);
  out(E, "\n/* ---- async %s %s(%s): generated by acc ---- */\n", fn->ret_type,
      fn->name, params);
  /* Frames keep natural alignment inside a #pragma pack region; hoisted
     types carry their own pack (pragma_pack.c). */
  bool packed = pragma_pack_at(E->p->src, fn->def->begin) != 0;
  if (packed)
    out(E, "#pragma pack(push)\n#pragma pack()\n");
  for (int i = 0; i < fn->children.len; i++) {
    Site *s = fn->children.items[i];
    ExternAsync *x = s->kind == CH_EXTERN ? extern_of(E->p, s->callee) : NULL;
    if (x)
      extern_decl(E, x);
  }
  for (int i = 0; i < fn->early.len; i++) {
    AsyncFunc *g = fn->early.items[i];
    if (!g->emitted) {
      frame_struct(E, g);
      prototypes(E, g);
    }
  }
  for (int i = 0; i < fn->children.len; i++) {
    Site *s = fn->children.items[i];
    AsyncFunc *g = s->kind == CH_BOXED ? func_named(E->p, s->callee) : NULL;
    if (g && !g->emitted && g != fn) {
      out(E, "typedef struct %s__frame %s__frame;\n", g->name, g->name);
      prototypes(E, g);
    }
  }
  frame_struct(E, fn);
  prototypes(E, fn);
  if (!fn->is_main)
    emit_shim_proto(fn->name, fn->ret_type, params, fn->is_static, E->out);
  init_fn(E, fn, params);
  ctor_fns(E, fn, params);
  poll_fn(E, fn);
  drop_fn(E, fn);
  vtable(E, fn);
  if (!fn->is_main)
    emit_shim(E->p, fn, E->out);
  if (emit_debug_has_table(E->p, fn))
    emit_debug_table(E->p, fn, E->out);
  if (emit_debug_is_last(E->p, fn))
    emit_debug_unit(E->p, E->out);
  if (fn->is_main)
    main_fn(E, fn, params);
  if (packed)
    out(E, "#pragma pack(pop)\n");
}

/* An async prototype: a forward typedef and the constructor's prototype, or
   the extern declarations of a function defined elsewhere. */
static void gen_proto(Emit *E, Node *n) {
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    if (d->kind != DK_FUNC || !strcmp(d->name, "main"))
      continue;
    AsyncFunc *fn = NULL;
    for (int j = 0; j < E->p->funcs.len; j++) {
      AsyncFunc *f = E->p->funcs.items[j];
      if (!strcmp(f->name, d->name))
        fn = f;
    }
    if (!fn) {
      ExternAsync *x = extern_of(E->p, d->name);
      if (x)
        extern_decl(E, x);
      continue;
    }
    out(E, "typedef struct %s__frame %s__frame;\n%s%s__frame %s(%s);\n",
        fn->name, fn->name, fn->is_static ? "static inline " : "", fn->name,
        fn->name, lower_param_text(E->p->src, d));
    emit_shim_proto(fn->name, fn->ret_type, lower_param_text(E->p->src, d),
                    fn->is_static, E->out);
  }
}

/* ==== splicing into the .ac text ==== */

typedef struct AcText {
  char *text;
  size_t len;
  Vec lines; /* offset (intptr_t) of each line's start */
} AcText;

static bool read_ac(const char *path, AcText *t) {
  t->text = read_file(path, &t->len);
  if (!t->text)
    return false;
  vec_push(&t->lines, (void *)(intptr_t)0);
  for (size_t i = 0; i < t->len; i++)
    if (t->text[i] == '\n')
      vec_push(&t->lines, (void *)(intptr_t)(i + 1));
  return true;
}

static size_t ac_offset(AcText *t, Loc loc) {
  if (loc.line < 1 || loc.line > t->lines.len)
    return t->len;
  size_t off = (size_t)(intptr_t)t->lines.items[loc.line - 1] +
               (size_t)(loc.col - 1);
  return off < t->len ? off : t->len;
}

static bool is_acc_pragma(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != '#')
    return false;
  while (*p == ' ' || *p == '\t')
    p++;
  if (strncmp(p, "pragma", 6))
    return false;
  p += 6;
  while (*p == ' ' || *p == '\t')
    p++;
  return !strncmp(p, "acc", 3) && (p[3] == ' ' || p[3] == '\t' ||
                                   p[3] == '(' || p[3] == '\n');
}

static bool is_pragma_once(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != '#')
    return false;
  while (*p == ' ' || *p == '\t')
    p++;
  if (strncmp(p, "pragma", 6))
    return false;
  p += 6;
  while (*p == ' ' || *p == '\t')
    p++;
  return !strncmp(p, "once", 4);
}

static void emit_file(Emit *E, const char *file, bool is_main);
static const char *escape_path(const char *path);
static void write_prelude(Emit *E);

/* The 1-based line of offset `at` of t. */
static int line_at(AcText *t, size_t at) {
  int lo = 0, hi = t->lines.len;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if ((size_t)(intptr_t)t->lines.items[mid] <= at)
      lo = mid;
    else
      hi = mid;
  }
  return lo + 1;
}

/* A rewrite of asyncptr.c placed in the .ac text: at its offset there, or
   failed (NULL text) when a macro wrote the token, at its line. */
typedef struct AcEdit {
  size_t at, len;
  const char *text;
  const Rewrite *r;
} AcEdit;

static void place_rewrites(Emit *E, AcText *t) {
  const Vec *rw = rewrites();
  for (int i = 0; i < rw->len; i++) {
    const Rewrite *r = rw->items[i];
    Loc l = source_loc(E->p->src, r->off);
    if (!l.in_main)
      continue;
    AcEdit *e = xalloc(sizeof *e);
    *e = (AcEdit){ac_offset(t, l), r->len, r->text, r};
    if (e->at + r->len > t->len ||
        memcmp(t->text + e->at, E->p->src->text + r->off, r->len)) {
      l.col = 1;
      *e = (AcEdit){ac_offset(t, l), 0, NULL, r};
    }
    vec_push(&E->edits, e);
  }
}

/* [i, end) of the .ac text with the rewrites in it applied (the .ac's
   own text only: a header written out has none). */
static void copy_edited(Emit *E, AcText *t, size_t i, size_t end) {
  for (int k = 0; !E->depth && k < E->edits.len; k++) {
    AcEdit *e = E->edits.items[k];
    if (e->at < i || e->at >= end)
      continue;
    if (!e->text) {
      error_at(e->r->off, "this '%.*s' comes from a macro, but acc must "
               "rewrite it (async function pointers); write it out",
               (int)e->r->len, E->p->src->text + e->r->off);
      continue;
    }
    str_add(E->out, t->text + i, e->at - i);
    str_puts(E->out, e->text);
    i = e->at + e->len;
  }
  str_add(E->out, t->text + i, end - i);
}

/* Copies text of `file`, turning `#pragma acc` lines (ours) into comments,
   and writing out in place the headers that hold async code. */
static void copy_ac(Emit *E, AcText *t, const char *file, size_t from,
                    size_t to) {
  for (size_t i = from; i < to;) {
    bool bol = i == 0 || t->text[i - 1] == '\n';
    const char *nl = memchr(t->text + i, '\n', to - i);
    size_t end = nl ? (size_t)(nl - t->text) + 1 : to;
    bool expand = false;
    const char *child = bol && E->incs
        ? include_child(E->incs, file, line_at(t, i), t->text + i, &expand)
        : NULL;
    if (expand && E->depth < 64) {
      if (!E->prelude) /* not inside the header (its guards) */
        write_prelude(E);
      E->prelude = true;
      const char *saved = E->path;
      int line = line_at(t, i);
      E->path = escape_path(child);
      line_directive(E, 1);
      E->depth++;
      emit_file(E, child, false);
      E->depth--;
      E->path = saved;
      line_directive(E, line + 1);
    } else if (child && E->depth && child[0] == '/') {
      out(E, "#include \"%s\"\n", escape_path(child));
    } else {
      if (bol && (is_acc_pragma(t->text + i) ||
                  (E->depth && is_pragma_once(t->text + i))))
        out(E, "// ");
      copy_edited(E, t, i, end);
    }
    i = end;
  }
}

static bool is_async_item(Node *n) {
  if (n->kind == ND_FUNC_DEF)
    return n->spec->is_async || (n->decl && n->decl->is_async);
  return n->kind == ND_DECLARATION && n->spec->is_async &&
         n->spec->declares_func; /* not pointers to async functions */
}

static AsyncFunc *func_of_def(Program *p, Node *def) {
  return map_get(&p->func_by_def, def);
}

static const char *escape_path(const char *path) {
  Str s = {0};
  for (const char *c = path; *c; c++) {
    if (*c == '\\' || *c == '"')
      str_add(&s, "\\", 1);
    str_add(&s, c, 1);
  }
  return str_cstr(&s);
}

/*
 * Before the first async definition or prototype (not at the top of the
 * file: feature-test macros defined there must come before any include):
 * ac.h, the future registry of ac_spawn (emit_registry.c) and the
 * declarations of async functions of other TUs.
 */
static void write_prelude(Emit *E) {
  if (E->out->len && E->out->buf[E->out->len - 1] != '\n')
    out(E, "\n");
  out(E, "#include <ac.h>\n#include <stdio.h>\n#include <stdlib.h>\n");
  /* A future polled again after it completed (or was dropped) has no
     value to give: the poll says so and aborts (docs/language.md). */
  out(E, "static __attribute__((noreturn, cold, unused)) void\n"
      "ac__polled_after_completion(const char *f) {\n"
      "  fprintf(stderr, \"acc: a future of '%%s' was polled after it "
      "completed or was dropped\\n\", f);\n  abort();\n}\n");
  emit_future_registry(E->p, E->out);
  for (int i = 0; i < E->p->externs.len; i++)
    extern_decl(E, E->p->externs.items[i]);
  emit_debug_prelude(E->p, E->out);
}

/* The file an item is written in (main: the .ac path), NULL if it starts
   and ends in different files. */
static const char *item_file(Program *p, Node *n) {
  Loc b = source_loc(p->src, n->begin), e = source_loc(p->src, n->end);
  return strcmp(b.file, e.file) ? NULL : b.file;
}

/* `file` with its async items replaced by generated code.  In the .ac,
   the prelude also comes before plain code that names an async function
   (`ac_spawn(g(1))` in a plain function) if that comes first. */
static void emit_file(Emit *E, const char *file, bool is_main) {
  Program *p = E->p;
  AcText t = {0};
  if (!read_ac(file, &t)) {
    error_at(0, "cannot read '%s' again to copy it", file);
    return;
  }
  if (is_main)
    place_rewrites(E, &t);
  size_t pos = 0;
  int first_use = is_main ? emit_first_use(p) : -1;
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    const char *f = is_async_item(n) ? item_file(p, n) : NULL;
    bool plain_use = !f && i == first_use && !E->prelude;
    if (!plain_use && (!f || strcmp(f, file)))
      continue;
    Loc b = source_loc(p->src, n->begin), e = source_loc(p->src, n->end);
    if (is_main && (!b.in_main || !e.in_main))
      continue;
    size_t from = ac_offset(&t, b), to = ac_offset(&t, e);
    if (from < pos || to < from)
      continue;
    copy_ac(E, &t, file, pos, from);
    if (!E->prelude)
      write_prelude(E);
    E->prelude = true;
    if (plain_use) { /* plain code that names an async function */
      line_directive(E, b.line);
      pos = from;
      continue;
    }
    if (n->kind == ND_FUNC_DEF)
      gen_func(E, func_of_def(p, n));
    else
      gen_proto(E, n);
    line_directive(E, e.line);
    if (E->no_line && E->out->len && E->out->buf[E->out->len - 1] != '\n')
      out(E, "\n");
    pos = to;
  }
  copy_ac(E, &t, file, pos, t.len);
}

void emit_c(Program *p, bool no_line, Str *outp) {
  Emit E = {.p = p, .out = outp, .no_line = no_line,
            .path = escape_path(p->src->path)};
  /* headers that define async functions, or declare them where the C
     compiler would read the declaration (not under an #if naming __ACC__,
     as docs/language.md shows), written out where they are included;
     acc declares what guarded prototypes declare */
  Vec async_files = {0};
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    const char *f = is_async_item(n) ? item_file(p, n) : NULL;
    Loc at = source_loc(p->src, n->begin);
    bool listed = false;
    for (int k = 0; f && k < async_files.len && !listed; k++)
      listed = !strcmp(async_files.items[k], f);
    if (f && !listed && !at.in_main &&
        (n->kind == ND_FUNC_DEF || !include_acc_guarded(f, at.line)))
      vec_push(&async_files, (char *)f);
  }
  E.incs = include_map(p->src, &async_files, p->src->path);
  emit_file(&E, p->src->path, true);
}
