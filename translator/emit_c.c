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
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

typedef struct Emit {
  Program *p;
  Str *out;
  bool no_line;
  const char *path;   /* the header being written out, escaped for #line */
  Vec externs_done;   /* ExternAsync* already declared */
  Map externs_written; /* the same, to look them up */
  Vec edits;          /* AcEdit*: rewrites of the copied .ac text */
  AsyncFunc *fn;      /* the function being written */
  IncludeMap *incs;   /* headers written out in place (emit_include.c) */
  bool prelude;       /* write_prelude done */
  int depth;          /* of headers written out */
  LineWriter *lines;  /* takes the finished lines of out (emit_lines.c) */
  Str *text;          /* the output's own text: out is sometimes a part
                         made aside (a poll's body), which never goes to
                         emit_lines before its place in the text */
  bool now;           /* writing f__now: the body returns the value */
} Emit;

/* Hands the finished lines of the text to emit_lines, so the marked text
   is never whole in memory beside the C it becomes (the output is tens of
   times the input's size, and one function with thousands of awaits
   writes megabytes).  emit_lines reads line by line, so where the text is
   cut does not change what it writes; nothing here looks back into the
   text but at its last byte, which a cut at a newline keeps the meaning
   of (an empty text reads as one that ends a line). */
static void flush_lines(Emit *E) {
  if (E->lines && E->out == E->text && E->out->len >= 1 << 16)
    emit_lines_feed(E->lines, E->out);
}

static void flush_lines_of(void *E) { flush_lines(E); }

static void out(Emit *E, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out(Emit *E, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(E->out, fmt, ap);
  va_end(ap);
  flush_lines(E);
}

/* The strings made for a piece of a function's output (a signature, a
   declaration, an operand of an await's line), freed together once the
   function's C is written (gen_func): a large file makes millions of
   them (docs/internals.md, "What lives how long"). */
static Vec scratch;

static const char *tmp(const char *s) {
  vec_push(&scratch, (void *)s);
  return s;
}

static void tmp_free(void) {
  for (int i = 0; i < scratch.len; i++)
    free(scratch.items[i]);
  scratch.len = 0;
}

/* A declaration of `name` with type `type`: plain when the spelling allows,
   through __typeof__ otherwise (function pointers, arrays). */
static const char *declare(const char *type, const char *name) {
  if (strpbrk(type, "([") || strstr(type, "__typeof__"))
    return tmp(xformat("__typeof__(%s) %s", type, name));
  size_t n = strlen(type);
  return tmp(xformat("%s%s%s", type, type[n - 1] == '*' ? "" : " ", name));
}

static const char *storage(AsyncFunc *fn) {
  return fn->is_static ? "static " : "";
}

/* f__init is inline for a file's own functions: the await that starts a
   child then stores its parameters in place instead of calling out (an
   optimizing compiler that keeps polls out of line would keep this call
   too, docs/benchmarks.md W5). */
static const char *init_storage(AsyncFunc *fn) {
  return fn->is_static ? "static inline " : "";
}

static const char *out_param(AsyncFunc *fn) {
  return fn->is_void ? "void *ac__out" : declare(fn->ret_type, "*ac__out");
}

/* A file's own functions take their frame and output as void *, so their
   vtable holds the poll and drop themselves, not a wrapper of each for
   the C compiler to build (docs/lowering.md); the poll and drop convert
   on entry.  A function other files call keeps the typed interface its
   header declares, and wrappers; `async int main`, which no other file
   calls (no header declares it), needs none. */
static bool untyped(AsyncFunc *fn) {
  return fn->is_static || fn->is_main;
}

/* The function that holds the body: f__poll, or f__run for a function
   that returns its result by value (poll_value.c). */
static const char *body_sig(AsyncFunc *fn) {
  if (fn->by_value)
    return declare(fn->ret_type, tmp(xformat("%s__run(void *ac__self, "
                                             "ac_context_t *ac__cx)",
                                             fn->name)));
  return NULL;
}

static const char *now_sig(AsyncFunc *g) {
  return declare(g->is_void ? "void" : g->ret_type,
                 tmp(xformat("%s__now(%s)", g->name,
                             g->params.len ? g->param_fwd_text : "void")));
}

static const char *poll_sig(AsyncFunc *fn) {
  if (untyped(fn))
    return tmp(xformat("ac_poll_t %s__poll(void *ac__self, "
                       "ac_context_t *ac__cx, void *%s)", fn->name,
                       fn->is_void ? "ac__out" : "ac__res"));
  return tmp(xformat("ac_poll_t %s__poll(%s__frame *ac__F, "
                     "ac_context_t *ac__cx, %s)", fn->name, fn->name,
                     out_param(fn)));
}

static const char *drop_sig(AsyncFunc *fn) {
  if (untyped(fn))
    return tmp(xformat("void %s__drop(void *ac__self)", fn->name));
  return tmp(xformat("void %s__drop(%s__frame *ac__F)", fn->name, fn->name));
}

/* The typed names of an untyped poll's or drop's parameters. */
static void typed_params(Emit *E, AsyncFunc *fn, bool poll) {
  if (!untyped(fn))
    return;
  out(E, "  %s__frame *const ac__F = (%s__frame *)ac__self;\n", fn->name,
      fn->name);
  if (poll && fn->by_value)
    out(E, "  %s = 0;\n", declare(fn->ret_type, "ac__v"));
  else if (poll && !fn->is_void)
    out(E, "  %s = (%s)ac__res;\n", declare(fn->ret_type, "*ac__out"),
        declare(fn->ret_type, "*"));
}

/* What the body returns: the poll's status, or f__run's value (ac__v, a
   0 while pending: the frame's state word tells). */
static const char *body_return(AsyncFunc *fn, bool ready) {
  if (fn->by_value)
    return "ac__v";
  return ready ? "AC_POLL_READY" : "AC_POLL_PENDING";
}

/* f__poll of a function whose body is f__run. */
static void value_poll_fn(Emit *E, AsyncFunc *fn) {
  const char *n = fn->name;
  out(E, "%s {\n  %s = %s__run(ac__self, ac__cx);\n"
      "  if (((%s__frame *)ac__self)->ac__state != " DONE_STATE ")\n"
      "    return AC_POLL_PENDING;\n"
      "  *(%s)ac__res = ac__v;\n  return AC_POLL_READY;\n}\n",
      tmp(xformat("%s%s", storage(fn), poll_sig(fn))),
      declare(fn->ret_type, "ac__v"), n, n, declare(fn->ret_type, "*"));
}

static void slot_decl(Emit *E, Slot *s, int depth) {
  out(E, "%*s", depth * 2, "");
  if (s->align_spec)
    out(E, "%s ", s->align_spec);
  if (s->type) {
    out(E, "%s;", declare(tokmap_strip_marks(s->type),
                          s->field ? s->field : s->name));
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
  if ((s->kind == SL_LOCAL || s->kind == SL_PARAM) &&
      strcmp(s->field ? s->field : s->name, s->decl->name)) /* a second
                                                 local of that name */
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
  for (int i = 0; i < fn->hoisted.len; i++) /* scaffolding: no marks */
    out(E, "%s\n", tokmap_strip_marks(fn->hoisted.items[i]));
  out(E, "struct %s__frame {\n", fn->name);
  group_body(E, fn->frame, 1);
  out(E, "};\n");
}

/* On a recursion cycle, f__new and f__drop stay out of line: inlined into
   the poll, their registers would be saved in every level's C frame. */
/* A static function without an await has nothing to drop but its state:
   its f__drop is a name for the file's one ac__drop_done, not a function
   of its own for the C compiler to build (each costs it about as much as
   a small function's whole body). */
static bool shared_drop(AsyncFunc *g) {
  return g->is_static && !g->sites.len;
}

static const char *cold(AsyncFunc *g) {
  return g->on_cycle ? "__attribute__((noinline)) " : "";
}

static const char *new_storage(AsyncFunc *g) {
  if (!g->is_static)
    return "";
  return g->on_cycle ? "static __attribute__((unused)) "
                     : "static inline __attribute__((unused)) ";
}

/* complete: g's frame struct is defined (f__init's parameters may read
   its fields: vm_params.c); a boxed g's is not yet, and its f__init is not
   called before its definition. */
static void prototypes(Emit *E, AsyncFunc *g, bool complete) {
  const char *st = storage(g);
  const char *params = g->param_fwd_text;
  if (complete || !g->vm_sizes.len)
    out(E, "%svoid %s__init(%s__frame *ac__F%s%s);\n", init_storage(g),
        g->name, g->name, g->params.len ? ", " : "",
        g->params.len ? g->param_init_text : "");
  out(E, "%s%s;\n", st, poll_sig(g));
  if (g->by_value)
    out(E, "%s%s;\n", st, body_sig(g));
  if (g->now)
    out(E, "static %s;\n", now_sig(g));
  if (shared_drop(g))
    out(E, "#define %s__drop ac__drop_done\n#define %s__plan ac__plan_done\n",
        g->name, g->name);
  else
    out(E, "%s%s%s;\n", st, cold(g), drop_sig(g));
  if (g->is_static && !shared_drop(g))
    out(E, "static const ac__drop_plan %s__plan __attribute__((unused));\n",
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

/* ==== init, constructor, new ==== */

static const char *arg_names(AsyncFunc *fn) {
  Str s = {0};
  for (int i = 0; i < fn->params.len; i++)
    str_printf(&s, "%s%s", i ? ", " : "",
               ((Slot *)fn->params.items[i])->decl->name);
  return tmp(str_cstr(&s));
}

/*   before:  async int f(int a, const char *s) { ... }
 *   after:   void f__init(f__frame *ac__F, int a, const char *s) {
 *              ac__F->ac__state = 0; ac__F->a = a; ... }                     */
static void init_fn(Emit *E, AsyncFunc *fn) {
  out(E, "%svoid %s__init(%s__frame *ac__F%s%s) {\n  ac__F->ac__state = 0;\n",
      init_storage(fn), fn->name, fn->name, fn->params.len ? ", " : "",
      fn->params.len ? fn->param_init_text : "");
  for (int i = 0; i < fn->params.len; i++) {
    Slot *s = fn->params.items[i];
    if (s->by_memcpy)
      out(E, "  __builtin_memcpy((void *)&ac__F->%s, &%s, sizeof ac__F->%s);\n",
          s->name, s->decl->name, s->name);
    else
      out(E, "  ac__F->%s = %s;\n", s->name, s->decl->name);
  }
  out(E, "}\n");
}

static void ctor_fns(Emit *E, AsyncFunc *fn, const char *params) {
  const char *names = arg_names(fn);
  const char *sep = fn->params.len ? ", " : "";
  const char *st =
      fn->is_static ? "static inline __attribute__((unused)) " : "";
  if (!fn->is_main)
    out(E, "%s%s__frame %s(%s) {\n  %s__frame ac__F;\n"
        "  __builtin_memset(&ac__F, 0, sizeof ac__F);\n"
        "  %s__init(&ac__F%s%s);\n"
        "  return ac__F;\n}\n", st, fn->name, fn->name, params, fn->name,
        fn->name, sep, names);
  st = new_storage(fn);
  if (fn->needs_new || !fn->is_static)
    out(E, "%s%s__frame *%s__new(%s) {\n"
        "  %s__frame *ac__F = _Alignof(%s__frame) > 16\n"
        "    ? aligned_alloc(_Alignof(%s__frame), sizeof *ac__F)\n"
        "    : malloc(sizeof *ac__F);\n"
        "  if (ac__F)\n    %s__init(ac__F%s%s);\n  return ac__F;\n}\n", st,
        fn->name,
        fn->name, params, fn->name, fn->name, fn->name, fn->name, sep, names);
}

/* ==== poll ==== */

/* The line mark of the token at buffer offset off, or "". */
static const char *mark_at(Emit *E, size_t off) {
  const TokMap *m = source_map(E->p->src);
  int k = tokmap_find(m, off);
  if (k < 0 || !m->toks[k].main || !m->toks[k].line)
    return "";
  return tmp(tokmap_mark(m->toks[k].file, m->toks[k].line));
}

/*
 * One await site, in two lines of the await's .ac line (each line of
 * code needs its own #line, so the sequence is kept short):
 *     g__init(&ac__F->ac__c1, ac__F->x_2); ac__F->ac__state = 1;
 *   ac__s1: if (g__poll(&ac__F->ac__c1, ac__cx, &ac__F->ac__t1) == AC_POLL_PENDING) return AC_POLL_PENDING;
 */
/* An await of a function of this file without an await of its own: its
   first poll runs its body to the end and answers ready, so the frame
   never stops at this site, and the site needs no resumption label, no
   case in the entry switch and no test of the poll's answer (each label
   is a join of the body's flow for the C compiler, each test a return
   path: on one function with 10,000 such awaits most of gcc's value
   numbering). */
static bool never_pending(Site *s) {
  AsyncFunc *g = s->kind == CH_FRAME ? s->child->frame : NULL;
  return g && !g->sites.len && !g->on_cycle;
}

static void await_seq(Emit *E, Site *s) {
  out(E, "%s/* state %d %s: await %s, line %d */\n",
      mark_at(E, s->await->begin), s->state,
      graph_state_name(E->fn, s->state), s->callee, s->line);
  if (s->kind == CH_COMBINATOR) {
    emit_combinator_await(s, E->out);
    return;
  }
  /* the erasure's call: the child's frame is f__now's (poll_value.c) */
  if (never_pending(s) && s->args && s->child->frame->now) {
    out(E, "ac__F->ac__state = %d; %s%s__now(%s);\n", s->state,
        s->result ? tmp(xformat("ac__F->%s = ", s->result->name)) : "(void)",
        s->child->frame->name, s->args);
    return;
  }
  /* A heap frame (recursion, another file's function) may not come:
     stop with its name rather than poll through NULL. */
  const char *check =
      s->init && (s->kind == CH_BOXED || s->kind == CH_EXTERN)
          ? tmp(xformat(" if (!ac__F->%s) { if (ac_frame_alloc_failed) "
                        "ac_frame_alloc_failed(\"%s\"); __builtin_abort(); }",
                        s->child->name, s->callee))
          : "";
  out(E, "%s%s%sac__F->ac__state = %d;\n", s->init ? s->init : "", check,
      s->init ? " " : "", s->state);
  AsyncFunc *g = s->kind == CH_FRAME ? s->child->frame : NULL;
  if (g && g->by_value) /* its value in a register, its state says ready */
    out(E, "ac__s%d: %s%s__run(%s, ac__cx); if (ac__F->%s.ac__state != "
        DONE_STATE ") return %s;\n", s->state,
        s->result ? tmp(xformat("ac__F->%s = ", s->result->name)) : "(void)",
        g->name, emit_child_ref(s), s->child->name, body_return(E->fn, false));
  else if (never_pending(s)) /* ready at its first poll: no test either */
    out(E, "(void)%s(%s, ac__cx, %s);\n", s->poll, emit_child_ref(s),
        s->result ? tmp(xformat("&ac__F->%s", s->result->name)) : "(void *)0");
  else if (site_resumes_ready(s)) /* a yield: ready once resumed */
    out(E, "if (%s(%s, ac__cx, (void *)0) == AC_POLL_PENDING) return %s; "
        "ac__s%d:;\n", s->poll, emit_child_ref(s), body_return(E->fn, false),
        s->state);
  else
    out(E, "ac__s%d: if (%s(%s, ac__cx, %s) == AC_POLL_PENDING) "
        "return %s;\n", s->state, s->poll, emit_child_ref(s),
        s->result ? tmp(xformat("&ac__F->%s", s->result->name)) : "(void *)0",
        body_return(E->fn, false));
  if (s->kind == CH_LEAF)
    out(E, "%s(&ac__F->%s);\n", s->done ? s->done : s->drop, s->child->name);
  else if (emit_owns_heap(s))
    out(E, "%s(ac__F->%s); __builtin_free(ac__F->%s); ac__F->%s = 0;\n", s->drop,
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

/* What the indenter carries from one line to the next. */
typedef struct Indent {
  int depth;
  bool hang;       /* the last line was `if (...)` without its body */
  bool in_comment; /* a block comment is open */
  bool spliced;    /* the last line ended with a backslash */
} Indent;

/* The bytes brace_delta looks at; the rest of a line is skipped. */
static bool brace_byte(char c) {
  return c == '{' || c == '}' || c == '"' || c == '\'' || c == '/' ||
         c == '*' || c == '\\';
}

/* Brace depth change of one line, skipping literals and comments. */
static int brace_delta(Indent *in, const char *p, const char *end) {
  int d = 0;
  char quote = 0;
  for (; p < end; p++) {
    while (p < end && !brace_byte(*p)) /* most of a line: none of them */
      p++;
    if (p == end)
      break;
    if (in->in_comment) {
      if (p[0] == '*' && p + 1 < end && p[1] == '/')
        in->in_comment = false, p++;
    } else if (quote) {
      if (*p == '\\')
        p++;
      else if (*p == quote)
        quote = 0;
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    } else if (p[0] == '/' && p + 1 < end && p[1] == '*') {
      in->in_comment = true, p++;
    } else if (p[0] == '/' && p + 1 < end && p[1] == '/') {
      break;
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

static bool is_mark(char c) {
  return c == TOKMAP_MARK || c == TOKMAP_SCAFFOLD || c == TOKMAP_VERBATIM;
}

/* Past the line marks and blanks at the start of a line; the marks are
   copied to `marks` (the output itself: they stay first on the line). */
static const char *leading_marks(const char *p, const char *end, Str *marks) {
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\t'))
      p++;
    if (p >= end || !is_mark(*p))
      return p;
    const char *q = p + 1;
    if (*p != TOKMAP_SCAFFOLD)
      while (q < end && q[-1] != TOKMAP_MARK_END)
        q++;
    str_add(marks, p, (size_t)(q - p));
    p = q;
  }
}

/* Re-indents generated and copied code by brace depth, two spaces a level;
   labels one level out, directives at column 0.  Line marks stay first on
   their line; a line continued by a backslash or inside a comment is left
   as it is. */
static void indent(Emit *E, const char *text) {
  Indent in = {.depth = 1};
  for (const char *p = text; *p;) {
    const char *eol = strchr(p, '\n');
    const char *end = eol ? eol : p + strlen(p);
    if (in.spliced || in.in_comment) {
      out(E, "%.*s\n", (int)(end - p), p);
      in.spliced = end > p && end[-1] == '\\';
      brace_delta(&in, p, end);
      p = eol ? eol + 1 : end;
      continue;
    }
    p = leading_marks(p, end, E->out);
    if (p == end) { /* a blank line: its marks go to the next */
      p = eol ? eol + 1 : end;
      continue;
    }
    int lead = *p == '}' ? -1 : 0;
    int level = *p == '#' ? 0 : in.depth + lead - (is_label_line(p) ? 1 : 0);
    level += in.hang && *p != '{' && *p != '#';
    out(E, "%*s%.*s\n", (level > 0 ? level : 0) * 2, "", (int)(end - p), p);
    in.spliced = end[-1] == '\\';
    if (*p != '#') {
      in.depth += brace_delta(&in, p, end);
      in.hang = opens_body(p, end);
    }
    p = eol ? eol + 1 : end;
  }
}

/* Whether the body (as the preprocessor expanded it) names the function:
   `__func__`, or `__PRETTY_FUNCTION__` inside assert. */
static bool names_function(Emit *E, AsyncFunc *fn) {
  static const char *const words[] = {"__func__", "__FUNCTION__",
                                      "__PRETTY_FUNCTION__", NULL};
  const char *t = E->p->src->text;
  for (size_t i = fn->def->body->begin; i < fn->def->body->end; i++)
    for (int w = 0; words[w] && t[i] == '_'; w++) { /* all start with _ */
      size_t n = strlen(words[w]);
      if (!strncmp(t + i, words[w], n) && (i == 0 || !is_ident_char(t[i - 1])) &&
          !is_ident_char(t[i + n]))
        return true;
    }
  return false;
}

/*
 * Inside the poll function `__func__` would say "f__poll": the three names
 * are macros for the async function's name around it (both compilers take
 * this warning-free), so `__func__` and assert's messages say "f".
 */
static void func_names(Emit *E, AsyncFunc *fn, bool define) {
  static const char *const words[] = {"__func__", "__FUNCTION__",
                                      "__PRETTY_FUNCTION__", NULL};
  if (define)
    out(E, "static const char ac__func_%s[] __attribute__((unused)) = "
        "\"%s\";\n", fn->name, fn->name);
  for (int w = 0; words[w]; w++)
    if (define)
      out(E, "#define %s ac__func_%s\n", words[w], fn->name);
    else
      out(E, "#undef %s\n", words[w]);
}

/* The locals that hold the parameters the body never changes (Slot.cached),
   read at the poll's entry; with `at_use` (on a recursion cycle, where
   only ac__F may stay live across the child's poll, and in the copies of
   hot loops), macros that read the frame instead. */
static void params_as(Emit *E, AsyncFunc *fn, bool start, bool at_use) {
  for (int i = 0; i < fn->params.len; i++) {
    Slot *s = fn->params.items[i];
    if (!s->cached)
      continue;
    if (!at_use && start)
      out(E, "__typeof__(ac__F->%s) %s __attribute__((unused)) = ac__F->%s;\n",
          s->name, s->ref, s->name);
    else if (at_use)
      out(E, start ? "#define %s (ac__F->%s)\n" : "#undef %s\n", s->ref,
          s->name);
  }
}

static void cached_params(Emit *E, AsyncFunc *fn, bool start) {
  params_as(E, fn, start, fn->on_cycle);
}

/* `text` with each store of the result through ac__out as `ac__v = ` and
   each completion (state DONE, return READY) as `done`.  Only generated
   code names ac__F and ac__out, so the text found is no user's. */
static void returns_text(Emit *E, const char *text, const char *done) {
  static const char ready[] = "ac__F->ac__state = " DONE_STATE
                              "; return AC_POLL_READY;";
  static const char result[] = "*ac__out = ";
  while (*text) {
    const char *r = strstr(text, ready), *o = strstr(text, result);
    if (!r && !o)
      break;
    if (o && (!r || o < r)) {
      out(E, "%.*sac__v = ", (int)(o - text), text);
      text = o + sizeof result - 1;
    } else {
      out(E, "%.*s%s", (int)(r - text), text, done);
      text = r + sizeof ready - 1;
    }
  }
  out(E, "%s", text);
}

/* A step of the body.  In f__now a return of the result is `ac__v = (v);
   return ac__v;`, with no store to a frame that dies with the call; in
   f__run (lower_copy.c) the result goes to ac__v, not through a pointer
   to it, and is returned. */
static void body_text(Emit *E, AsyncFunc *fn, const char *text) {
  if (E->now) /* f__now: the frame is its own, dead once it returns */
    returns_text(E, text, fn->is_void ? "return;" : "return ac__v;");
  else if (fn->by_value)
    returns_text(E, text, "ac__F->ac__state = " DONE_STATE
                          "; return ac__v;");
  else
    out(E, "%s", text);
}

/* ==== results in C locals ==== */

/* The result of an await that returns it (a child run by value or by
   f__now) is stored by that assignment, not through a pointer, and read
   before the frame suspends again: where the frame is not suspended at
   another site while it lives, it needs no frame memory, and the poll
   keeps it in a C local of that name (W5: one store per level), or of
   the field's own name where a large frame reaches it by a path
   (frame_paths.c: ac__F->ac__g7.ac__t5 is the local ac__t5).  Its field
   stays, unwritten, so the layout and the debug tables are the same. */
static const char *result_local(Slot *r) {
  return r->field ? r->field : r->name;
}

static bool result_in_local(Site *s) {
  Slot *r = s->result;
  AsyncFunc *g = s->kind == CH_FRAME && !s->parent ? s->child->frame : NULL;
  /* both return a number, a pointer or an enumeration (poll_value.c) */
  if (!r || !g || !(g->by_value || (g->now && never_pending(s))) ||
      strchr(result_local(r), '.'))
    return false;
  for (int i = 0; i < r->live.len; i++)
    if ((intptr_t)r->live.items[i] != s->state)
      return false;
  return true;
}

static bool ident_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The result local that replaces `ac__F->` + the name at `p` (a run of
   identifier characters and dots), or NULL: the longest key of `names`
   that is the whole run or a part of it ending before a dot.  *len is
   the length of the name matched. */
static const char *result_name_at(const Map *names, const char *p,
                                  size_t *len) {
  size_t n = 0;
  while (ident_char(p[n]) || p[n] == '.')
    n++;
  for (; n; n--) {
    if (ident_char(p[n]) || (n && p[n - 1] == '.'))
      continue;
    char *key = xstrndup(p, n);
    const char *local = map_get(names, key);
    free(key);
    if (local) {
      *len = n;
      return local;
    }
  }
  return NULL;
}
/* The locals of such results, declared at the body's start (a jump to a
   resumption label may not cross a declaration in C, and the body's
   scopes are the user's). */
static void result_locals(Emit *E, AsyncFunc *fn) {
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    if (result_in_local(s))
      out(E, "__typeof__(%s) %s __attribute__((unused));\n", s->result->type,
          result_local(s->result));
  }
}

/* `text` with each `ac__F->NAME` of such a result as `NAME`, in one pass
   over the text (a pass per result made a function with 10,000 awaits
   quadratic). */
static char *results_as_locals(AsyncFunc *fn, const char *text) {
  Map names = {.strings = true};
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    if (result_in_local(s) && !map_get(&names, s->result->name))
      map_put(&names, s->result->name, (void *)result_local(s->result));
  }
  Str out = {0};
  const char *p = text;
  static const char arrow[] = "ac__F->";
  for (const char *q; names.len && (q = strstr(p, arrow));) {
    size_t n;
    const char *local = result_name_at(&names, q + sizeof arrow - 1, &n);
    const char *after = q + sizeof arrow - 1 + (local ? n : 0);
    str_add(&out, p, (size_t)(q - p));
    if (local)
      str_puts(&out, local);
    else
      str_add(&out, q, sizeof arrow - 1);
    p = after;
  }
  str_puts(&out, p);
  map_free(&names);
  return (char *)str_cstr(&out);
}

/* ==== hot loops (lower_hot.c) ==== */

/* The step of the body's first preprocessor directive (steps.len if none):
   f__poll, written before f__poll_cold, sees the macros of the body's
   start, so it copies only loops that end before any directive. */
static int first_directive(AsyncFunc *fn) {
  for (int i = 0; i < fn->steps.len; i++) {
    Step *st = fn->steps.items[i];
    if (st->kind != ST_TEXT)
      continue;
    for (const char *p = st->text; p; p = strchr(p, '\n')) {
      p += *p == '\n';
      p += strspn(p, " \t");
      if (*p == '#')
        return i;
    }
  }
  return fn->steps.len;
}

/* How many of fn's hot loops f__poll copies: none where the body is not
   f__poll's own (f__run), where the context lives in the frame (a
   recursion cycle) or where parameters need typedefs of their own. */
static int hot_loops(AsyncFunc *fn) {
  if (!fn->hot.len || fn->by_value || fn->on_cycle)
    return 0;
  for (int i = 0; i < fn->params.len; i++)
    if (((Slot *)fn->params.items[i])->vm_typedef)
      return 0;
  int stop = first_directive(fn), n = 0;
  while (n < fn->hot.len && ((HotLoop *)fn->hot.items[n])->last <= stop)
    n++;
  return n;
}

/* The state f__poll passes to f__poll_cold when its copy of hot loop k
   ends: a number no state has. */
static int hot_exit(AsyncFunc *fn, int k) {
  return fn->sites.len + 1 + k;
}

static void steps_text(Emit *E, AsyncFunc *fn, int from, int to, int nhot) {
  for (int i = from; i < to; i++) {
    Step *st = fn->steps.items[i];
    if (st->kind == ST_TEXT)
      body_text(E, fn, st->text);
    else if (st->kind == ST_LINE)
      out(E, "%s%s", E->out->len && E->out->buf[E->out->len - 1] != '\n'
                         ? "\n" : "", tmp(tokmap_mark(st->file, st->line)));
    else if (st->kind == ST_AWAIT)
      await_seq(E, st->site);
    else if (st->line < nhot)
      out(E, "ac__x%d:;\n", st->line);
  }
}

/* The body of f__hotK (k > 0), or, with k = 0, of f__poll: the jump into
   the copy of hot loop k when the state is one of its awaits, else to
   f__hotJ for another hot loop's (f__poll), else to f__poll_cold. */
static void hot_body(Emit *E, AsyncFunc *fn, int k, int nhot) {
  Str *saved = E->out, body = {0};
  E->out = &body;
  out(E, "%c(void)ac__cx;\n(void)ac__out;\n", TOKMAP_SCAFFOLD);
  /* Read where the copy uses them: a loop that calls out (a channel's
     poll) would otherwise keep them in callee-saved registers, saved and
     restored at every resumption, for one use per turn. */
  params_as(E, fn, true, true);
  out(E, "switch (ac__F->ac__state) {\n");
  HotLoop *h = fn->hot.items[k];
  for (int i = h->site_first; i < h->site_last; i++)
    out(E, "case %d:\n  goto ac__s%d;\n", i + 1, i + 1);
  for (int j = k ? nhot : 1; j < nhot; j++) {
    HotLoop *o = fn->hot.items[j];
    for (int i = o->site_first; i < o->site_last; i++)
      out(E, "case %d:\n", i + 1);
    out(E, "  return %s__hot%d(ac__F, ac__cx, ac__out);\n", fn->name, j);
  }
  out(E, "default:\n  return %s__poll_cold(ac__F, ac__cx, ac__out, "
      "ac__F->ac__state);\n}\n", fn->name);
  steps_text(E, fn, h->first, h->last, 0);
  out(E, "%creturn %s__poll_cold(ac__F, ac__cx, ac__out, %d);\n",
      TOKMAP_SCAFFOLD, fn->name, hot_exit(fn, k));
  E->out = saved;
  indent(E, str_cstr(&body));
  free(body.buf);
  out(E, "%c}\n", TOKMAP_SCAFFOLD);
  params_as(E, fn, false, true);
}

/* f__poll of a function with hot loops holds the first; each other has a
   function of its own (f__poll's calls of them are jumps), so that a loop
   whose futures call out does not make the first save registers. */
static void hot_poll_fn(Emit *E, AsyncFunc *fn, int nhot) {
  for (int k = 1; k < nhot; k++) {
    out(E, "static __attribute__((noinline)) ac_poll_t %s__hot%d(%s__frame "
        "*ac__F, ac_context_t *ac__cx, %s) {\n", fn->name, k, fn->name,
        out_param(fn));
    hot_body(E, fn, k, nhot);
  }
  out(E, "%s%s {\n", storage(fn), poll_sig(fn));
  typed_params(E, fn, true);
  hot_body(E, fn, 0, nhot);
}

/* f__now, which holds the body, and the f__poll that runs it
   (AsyncFunc.now, poll_value.c). */
static void now_fns(Emit *E, AsyncFunc *fn, bool names) {
  const char *n = fn->name;
  if (names)
    func_names(E, fn, true);
  Str *saved = E->out, body = {0};
  E->out = &body;
  E->now = true;
  steps_text(E, fn, 0, fn->steps.len, 0);
  E->now = false;
  E->out = saved;
  const char *text = str_cstr(&body);
  /* Where the body names no field (its parameters are read once, nothing
     else is kept), the frame is only for a debugger: initialized where it
     is declared, which an optimizing compiler drops whole. */
  bool frame = strstr(text, "ac__F") || strstr(text, "ac__cx") ||
               strstr(text, "ac__out");
  out(E, "static %s {\n", now_sig(fn));
  if (!fn->is_void)
    out(E, "  %s = 0;\n", declare(fn->ret_type, "ac__v"));
  if (frame) {
    out(E, "  %s__frame ac__f;\n  %s__frame *const ac__F = &ac__f;\n"
        "  ac_context_t *const ac__cx = 0;\n", n, n);
    if (fn->is_void)
      out(E, "  void *const ac__out = 0;\n");
    else
      out(E, "  %s = &ac__v;\n", declare(fn->ret_type, "*const ac__out"));
    out(E, "  %s__init(ac__F%s%s);\n", n, fn->params.len ? ", " : "",
        arg_names(fn));
  } else {
    out(E, "  %s__frame ac__f = {", n);
    for (int i = 0; i < fn->params.len; i++) {
      Slot *p = fn->params.items[i];
      out(E, "%s.%s = %s", i ? ", " : "", p->name, p->decl->name);
    }
    out(E, "%s};\n  (void)ac__f;\n", fn->params.len ? "" : "0");
  }
  Str *outer = E->out, pre = {0};
  E->out = &pre;
  out(E, "%c", TOKMAP_SCAFFOLD);
  if (frame) {
    out(E, "(void)ac__cx;\n(void)ac__out;\n");
    cached_params(E, fn, true);
  } else {
    for (int i = 0; i < fn->params.len; i++) {
      Slot *p = fn->params.items[i];
      if (p->cached)
        out(E, "__typeof__(%s) %s __attribute__((unused)) = %s;\n",
            p->decl->name, p->ref, p->decl->name);
    }
  }
  E->out = outer;
  str_puts(&pre, text);
  free(body.buf);
  indent(E, str_cstr(&pre));
  free(pre.buf);
  out(E, "%c}\n", TOKMAP_SCAFFOLD);
  if (names)
    func_names(E, fn, false);
  Str args = {0};
  for (int i = 0; i < fn->params.len; i++)
    str_printf(&args, "%sac__F->%s", i ? ", " : "",
               ((Slot *)fn->params.items[i])->name);
  out(E, "%s%s {\n", storage(fn), poll_sig(fn));
  if (untyped(fn))
    out(E, "  %s__frame *const ac__F = (%s__frame *)ac__self;\n", n, n);
  out(E, "  (void)ac__cx;\n%s  if (ac__F->ac__state != 0)\n"
      "    ac__polled_after_completion(\"%s\");\n  ",
      fn->is_void ? "  (void)ac__out;\n" : "", n);
  if (!fn->is_void && untyped(fn))
    out(E, "*(%s)ac__res = ", declare(fn->ret_type, "*"));
  else if (!fn->is_void)
    out(E, "*ac__out = ");
  out(E, "%s__now(%s);\n  ac__F->ac__state = " DONE_STATE ";\n"
      "  return AC_POLL_READY;\n}\n", n, str_cstr(&args));
  free(args.buf);
}

/* The body: f__poll, f__run, or, for a function with hot loops,
   f__poll_cold, which f__poll calls with the state to resume at. */
static void poll_fn(Emit *E, AsyncFunc *fn) {
  bool names = names_function(E, fn);
  if (fn->now) {
    now_fns(E, fn, names);
    return;
  }
  int nhot = hot_loops(fn);
  if (names)
    func_names(E, fn, true);
  if (nhot)
    out(E, "static __attribute__((noinline)) ac_poll_t %s__poll_cold(%s__frame "
        "*ac__F, ac_context_t *ac__cx, %s, uint32_t ac__at) {\n", fn->name,
        fn->name, out_param(fn));
  else
    out(E, "%s%s {\n", storage(fn), fn->by_value ? body_sig(fn) : poll_sig(fn));
  if (!nhot)
    typed_params(E, fn, true);
  Str *saved = E->out, body = {0};
  E->out = &body;
  out(E, "%c(void)ac__cx;\n%s", TOKMAP_SCAFFOLD,
      fn->by_value ? "" : "(void)ac__out;\n");
  for (int i = 0; i < fn->params.len; i++)
    if (((Slot *)fn->params.items[i])->vm_typedef)
      out(E, "%s\n", ((Slot *)fn->params.items[i])->vm_typedef);
  cached_params(E, fn, true);
  result_locals(E, fn);
  /* On a recursion cycle (recurse.c, recursion_slots), the context and
     the out pointer are read from the frame where the body uses them, by
     volatile loads, so the C compiler keeps neither in a register or a
     stack slot across the child's poll. */
  if (fn->on_cycle)
    out(E, "ac__F->ac__cx = ac__cx;\n"
        "#define ac__cx (*(ac_context_t *volatile *)&ac__F->ac__cx)\n%s",
        fn->is_void ? "" : "ac__F->ac__out = ac__out;\n#define ac__out "
        "(*(__typeof__(ac__out) volatile *)&ac__F->ac__out)\n");
  if (fn->sites.len) {
    out(E, "switch (%s) {\ncase 0:\n  break;\n",
        nhot ? "ac__at" : "ac__F->ac__state");
    for (int i = 0; i < fn->sites.len; i++) {
      Site *s = fn->sites.items[i];
      if (!never_pending(s))
        out(E, "case %d:\n  goto ac__s%d; /* line %d */\n", s->state,
            s->state, s->line);
    }
    for (int k = 0; k < nhot; k++)
      out(E, "case %d:\n  goto ac__x%d;\n", hot_exit(fn, k), k);
    out(E, "default:\n  ac__polled_after_completion(\"%s\");\n}\n",
        fn->name);
  } else {
    out(E, "if (ac__F->ac__state != 0)\n  ac__polled_after_completion(\"%s\");\n",
        fn->name);
  }
  steps_text(E, fn, 0, fn->steps.len, nhot);
  E->out = saved;
  char *text = results_as_locals(fn, str_cstr(&body));
  /* f__run's value is ac__v, which no pointer needs to reach (an address
     taken makes it memory for the C compiler), unless a result that
     cannot be assigned is copied in (lower_copy.c). */
  if (fn->by_value && strstr(text, "ac__out"))
    out(E, "  %s = &ac__v;\n", declare(fn->ret_type, "*const ac__out"));
  indent(E, text);
  free(text);
  free(body.buf);
  out(E, "%c}\n", TOKMAP_SCAFFOLD);
  if (fn->on_cycle)
    out(E, "#undef ac__cx\n#undef ac__out\n");
  cached_params(E, fn, false);
  if (nhot) {
    hot_poll_fn(E, fn, nhot);
  }
  if (names)
    func_names(E, fn, false);
  if (fn->by_value)
    value_poll_fn(E, fn);
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

/*
 * Sites whose drop is only `g__drop(&ac__F->child)` share one case of the
 * drop when at least DROP_SHARE_MIN of them can: the child is found by
 * the state in a table of offsets, and its drop is the one of the group
 * (children that drop the same type) or, for frames of this file's static
 * functions, whose drops all take void *, read from a table of drops by
 * state.  A switch of a case and a call per await is what makes gcc slow
 * on a function with thousands of awaits: its value numbering grows
 * faster than the cases (docs/lowering.md, "The C compiler's time").
 *   before:  case 1: step__drop(&ac__F->ac__g1.ac__c1); break;  ... x 2000
 *   after:   static const uint32_t ac__at[] = {0, __builtin_offsetof(...)..};
 *            case 1: case 2: ... step__drop((__typeof__(ac__F->ac__g1.ac__c1) *)
 *                        ((char *)ac__F + ac__at[ac__F->ac__state])); break;
 *   or:      static const ac__drop_plan *const ac__plan[] = {0, &c0__plan..};
 *            case 1: case 2: ... ac__drop_by((char *)ac__F +
 *                ac__at[ac__F->ac__state], ac__plan[ac__F->ac__state]); break;
 */
#define DROP_SHARE_MIN 8

static bool plain_drop(Site *s) {
  return (s->kind == CH_FRAME || s->kind == CH_LEAF || s->kind == CH_LOCAL) &&
         !s->cleanup;
}

/* The child is a frame of a static function of this file: its drop takes
   void *. */
static bool untyped_child(Emit *E, Site *s) {
  AsyncFunc *g = s->kind == CH_FRAME ? lower_func_named(E->p, s->callee) : NULL;
  return g && untyped(g);
}

static const char *child_name(Emit *E, Site *s) {
  return lower_func_named(E->p, s->callee)->name;
}

/* The sites of fn that share their drop, by the first site of each group:
   shared[i] is that first site, or NULL for a site with a case of its own. */
static Site **drop_groups(Emit *E, AsyncFunc *fn) {
  Site **shared = xalloc((size_t)fn->sites.len * sizeof *shared);
  Map firsts = {.strings = true}, counts = {.strings = true};
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < fn->sites.len; i++) {
      Site *s = fn->sites.items[i];
      if (!plain_drop(s))
        continue;
      const char *key = untyped_child(E, s)
                            ? ""
                            : xformat("%s %s", s->drop, s->child->type);
      intptr_t n = (intptr_t)map_get(&counts, key);
      if (pass == 0) {
        if (!n)
          map_put(&firsts, key, s);
        map_put(&counts, key, (void *)(n + 1));
      } else if (n >= DROP_SHARE_MIN) {
        shared[i] = map_get(&firsts, key);
      }
    }
  map_free(&firsts);
  map_free(&counts);
  return shared;
}

/* The offsets of the children that share a case and, if the frames of
   static functions share one, their drops. */
static void shared_drop_tables(Emit *E, AsyncFunc *fn, Site **shared) {
  out(E, "  static const uint32_t ac__at[] = {0");
  bool drops = false;
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    if (shared[i])
      out(E, ",\n    __builtin_offsetof(%s__frame, %s)", fn->name,
          s->child->name);
    else
      out(E, ", 0");
    drops = drops || (shared[i] && untyped_child(E, s));
  }
  out(E, "};\n");
  if (!drops)
    return;
  out(E, "  static const ac__drop_plan *const ac__plan[] = {0");
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    bool via = shared[i] && untyped_child(E, s);
    out(E, "%s%s", via ? ",\n    &" : ", ", via ? child_name(E, s) : "0");
    if (via)
      out(E, "__plan");
  }
  out(E, "};\n");
}

/* The case of the group whose first site is `first`. */
static void shared_drop_case(Emit *E, AsyncFunc *fn, Site **shared,
                             Site *first) {
  int n = 0;
  for (int i = 0; i < fn->sites.len; i++) {
    if (shared[i] != first)
      continue;
    const char *sep = n == 0 ? "  " : n % 8 == 0 ? "\n  " : " ";
    out(E, "%scase %d:", sep, ((Site *)fn->sites.items[i])->state);
    n++;
  }
  if (untyped_child(E, first))
    out(E, "\n    ac__drop_by((char *)ac__F + ac__at[ac__F->ac__state], "
        "ac__plan[ac__F->ac__state]);\n    break;\n");
  else
    out(E, "\n    %s((__typeof__(ac__F->%s) *)((char *)ac__F + "
        "ac__at[ac__F->ac__state]));\n    break;\n", first->drop,
        first->child->name);
}

/* Every site of fn holds the frame of a static function of this file and
   drops only it, and there are two or more (one case is as small as a
   table): the drop is a table of children by state, which the file's
   one ac__drop_by runs.  A switch with a call per site in every drop made
   the drops of 1,000 small functions a fifth of gcc's time on them. */
static bool table_drop(Emit *E, AsyncFunc *fn) {
  if (fn->sites.len < 2)
    return false;
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    if (!plain_drop(s) || !untyped_child(E, s))
      return false;
  }
  return true;
}

/* The plan of a table drop: the child of each state and the child's own
   plan, so that a parent's drop reaches its children's tables without a
   function of theirs; f__drop, for the vtable and other callers, runs it.
   A static function's drop that is no table is its plan's function. */
static void drop_plan(Emit *E, AsyncFunc *fn) {
  out(E, "static const ac__drop_entry %s__drops[] = {", fn->name);
  for (int i = 0; i < fn->sites.len; i++) {
    Site *s = fn->sites.items[i];
    out(E, "%s\n  {__builtin_offsetof(%s__frame, %s), &%s__plan}",
        i ? "," : "", fn->name, s->child->name, child_name(E, s));
  }
  out(E, "};\nstatic const ac__drop_plan %s__plan __attribute__((unused)) = "
      "{0, %d, %s__drops};\n", fn->name, fn->sites.len, fn->name);
}

static void drop_fn(Emit *E, AsyncFunc *fn) {
  if (table_drop(E, fn)) {
    drop_plan(E, fn);
    out(E, "%s%s%s {\n  ac__drop_by(%s, &%s__plan);\n}\n", storage(fn),
        cold(fn), drop_sig(fn), untyped(fn) ? "ac__self" : "ac__F", fn->name);
    return;
  }
  if (fn->is_static)
    out(E, "static const ac__drop_plan %s__plan __attribute__((unused)) = "
        "{%s__drop, 0, 0};\n", fn->name, fn->name);
  out(E, "%s%s%s {\n", storage(fn), cold(fn), drop_sig(fn));
  typed_params(E, fn, false);
  if (fn->sites.len) {
    Site **shared = drop_groups(E, fn);
    bool any = false;
    for (int i = 0; i < fn->sites.len && !any; i++)
      any = shared[i] != NULL;
    if (any)
      shared_drop_tables(E, fn, shared);
    out(E, "  switch (ac__F->ac__state) {\n");
    for (int i = 0; i < fn->sites.len; i++) {
      Site *s = fn->sites.items[i];
      if (shared[i]) {
        if (shared[i] == s)
          shared_drop_case(E, fn, shared, s);
        continue;
      }
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
        out(E, "    __builtin_free(ac__F->%s);\n    ac__F->%s = 0;\n",
            s->child->name, s->child->name);
      if (s->cleanup)
        indent_lines(E, s->cleanup, 4);
      out(E, "    break;\n");
    }
    out(E, "  default:\n    break;\n  }\n");
  }
  out(E, "  ac__F->ac__state = " DONE_STATE ";\n}\n");
}

static void vtable(Emit *E, AsyncFunc *fn) {
  const char *n = fn->name;
  const char *v = untyped(fn) ? "" : "v";
  if (!untyped(fn)) {
    out(E, "static ac_poll_t %s__vpoll(void *ac__self, ac_context_t *ac__cx, "
        "void *ac__out) {\n"
        "  return %s__poll((%s__frame *)ac__self, ac__cx, ac__out);\n}\n",
        n, n, n);
    out(E, "static void %s__vdrop(void *ac__self) "
        "{ %s__drop((%s__frame *)ac__self); }\n", n, n, n);
  }
  bool table = emit_debug_has_table(E->p, fn);
  if (table)
    emit_debug_name(E->p, fn, E->out);
  out(E, "%sconst ac_future_vtable_t %s__vtable%s = {\n"
      "  %s__%spoll, %s__%sdrop, sizeof(%s__frame), _Alignof(%s__frame),\n"
      "  %s, %s};\n", storage(fn), n,
      fn->is_static ? " __attribute__((unused))" : "", n, v, n, v, n, n,
      fn->is_void ? "0" : tmp(xformat("sizeof(%s)", fn->ret_type)),
      tmp(table ? xformat("%s__name", n) : xformat("\"%s\"", n)));
}

/* async int main: the real main builds the runtime and blocks on it. */
static void main_fn(Emit *E, AsyncFunc *fn, const char *params) {
  out(E, "int main(%s) {\n  main__frame ac__F;\n  main__init(&ac__F%s%s);\n"
      "  int ac__status = 0;\n", fn->params.len ? params : "void",
      fn->params.len ? ", " : "", arg_names(fn));
  out(E, "  if (ac_runtime_main(%s, &main__vtable, &ac__F, &ac__status) < 0)\n"
      "    return 1;\n  return ac__status;\n}\n",
      E->p->main_current_thread ? "AC_RT_CURRENT_THREAD" : "AC_RT_MULTI_THREAD");
}

static void gen_func(Emit *E, AsyncFunc *fn) {
  E->fn = fn;
  const char *params = fn->param_text;
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
      prototypes(E, g, true);
    }
  }
  for (int i = 0; i < fn->children.len; i++) {
    Site *s = fn->children.items[i];
    AsyncFunc *g =
        s->kind == CH_BOXED ? lower_func_named(E->p, s->callee) : NULL;
    if (g && !g->emitted && g != fn) {
      out(E, "typedef struct %s__frame %s__frame;\n", g->name, g->name);
      prototypes(E, g, false);
    }
  }
  frame_struct(E, fn);
  prototypes(E, fn, true);
  /* the functions that pass the parameters on to f__init evaluate no size
     of them (vm_params.c) */
  const char *fwd = fn->param_fwd_text;
  bool shim = !fn->is_main && emit_needs_shim(fn->decl, fn->is_static);
  if (shim)
    emit_shim_proto(fn->name, fn->ret_type, fwd, fn->is_static, E->out);
  init_fn(E, fn);
  ctor_fns(E, fn, fwd);
  poll_fn(E, fn);
  if (!shared_drop(fn))
    drop_fn(E, fn);
  vtable(E, fn);
  if (shim)
    emit_shim(E->p, fn, E->out);
  if (emit_debug_has_table(E->p, fn))
    emit_debug_table(E->p, fn, E->out, flush_lines_of, E);
  if (emit_debug_is_last(E->p, fn))
    emit_debug_unit(E->p, E->out);
  if (fn->is_main)
    main_fn(E, fn, params);
  if (packed)
    out(E, "#pragma pack(pop)\n");
  emit_names_forget(fn);
  tmp_free();
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
    const char *params = map_get(&E->p->proto_params, d);
    out(E, "typedef struct %s__frame %s__frame;\n%s%s__frame %s(%s);\n",
        fn->name, fn->name, fn->is_static ? "static inline " : "", fn->name,
        fn->name, params);
    if (emit_needs_shim(fn->decl, fn->is_static))
      emit_shim_proto(fn->name, fn->ret_type, params, fn->is_static, E->out);
  }
}

/* ==== splicing into the .ac text ==== */

/* Copies .ac bytes [from, to), turning `#pragma acc` lines (ours) into
   comments. */
static const char *skip_blanks(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* The text after `#pragma` and its blanks on the line [p, end), or NULL
   when the line is no pragma. */
static const char *pragma_operand(const char *p, const char *end) {
  p = skip_blanks(p, end);
  if (p >= end || *p++ != '#')
    return NULL;
  p = skip_blanks(p, end);
  if (end - p < 6 || strncmp(p, "pragma", 6))
    return NULL;
  return skip_blanks(p + 6, end);
}

static bool is_acc_pragma(const char *p, const char *end) {
  p = pragma_operand(p, end);
  return p && end - p >= 4 && !strncmp(p, "acc", 3) &&
         (p[3] == ' ' || p[3] == '\t' || p[3] == '(' || p[3] == '\n');
}

/* A rewrite of asyncptr.c placed in the .ac text: at the .ac offset of
   its token, or failed (NULL text) when a macro wrote the token. */
typedef struct AcEdit {
  size_t at, len;
  const char *text;
  const Rewrite *r;
} AcEdit;

static void place_rewrites(Emit *E) {
  const TokMap *m = source_map(E->p->src);
  const Vec *rw = rewrites();
  for (int i = 0; i < rw->len; i++) {
    const Rewrite *r = rw->items[i];
    int k = tokmap_find(m, r->off);
    if (k < 0 || !m->toks[k].main || m->toks[k].begin != r->off)
      continue;
    const TokUnit *u = m->toks[k].unit >= 0 ? &m->units[m->toks[k].unit] : 0;
    AcEdit *ed = xalloc(sizeof *ed);
    if (u && !u->is_macro && u->ac_end - u->ac_begin == r->len &&
        !memcmp(m->ac + u->ac_begin, E->p->src->text + r->off, r->len))
      *ed = (AcEdit){u->ac_begin, r->len, r->text, r};
    else
      *ed = (AcEdit){u ? u->ac_begin : 0, 0, NULL, r};
    vec_push(&E->edits, ed);
  }
}

/* .ac bytes [i, end) with the rewrites in them applied; a NUL byte (in a
   comment) becomes a space, as it would end the text. */
static void copy_edited(Emit *E, const TokMap *m, size_t i, size_t end) {
  while (i < end) {
    AcEdit *next = NULL;
    for (int k = 0; k < E->edits.len; k++) {
      AcEdit *ed = E->edits.items[k];
      if (ed->at >= i && ed->at < end && (!next || ed->at < next->at))
        next = ed;
    }
    size_t stop = next ? next->at : end;
    for (size_t j = i; j < stop; j++)
      str_add(E->out, m->ac[j] ? m->ac + j : " ", 1);
    if (!next)
      break;
    if (!next->text) {
      error_at(next->r->off, "this '%.*s' comes from a macro, but acc must "
               "rewrite it (async function pointers); write it out",
               (int)next->r->len, E->p->src->text + next->r->off);
      next->at = (size_t)-1; /* reported once */
      i = stop;
      continue;
    }
    str_puts(E->out, next->text);
    i = stop + next->len;
    next->at = (size_t)-1;
  }
}

static void write_header_out(Emit *E, const char *file);

/* Copies .ac text, turning `#pragma acc` lines (ours) into comments and
   writing out in place the headers that hold async code. */
static void copy_ac(Emit *E, const TokMap *m, size_t from, size_t to) {
  int line = tokmap_ac_line(m, from);
  for (size_t i = from; i < to; line++) {
    bool bol = i == 0 || m->ac[i - 1] == '\n';
    const char *nl = memchr(m->ac + i, '\n', to - i);
    size_t end = nl ? (size_t)(nl - m->ac) + 1 : to;
    bool expand = false;
    char *text = bol && E->incs ? xstrndup(m->ac + i, end - i) : NULL;
    const char *child =
        text ? include_child(E->incs, E->p->src->path, line, text, &expand)
             : NULL;
    free(text);
    if (expand) {
      write_header_out(E, child);
      out(E, "%s", tokmap_verbatim(0, line + 1));
    } else {
      if (bol && is_acc_pragma(m->ac + i, m->ac + end))
        out(E, "// ");
      copy_edited(E, m, i, end);
    }
    i = end;
    flush_lines(E);
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

/* Whether a header named `base` was entered before buffer offset `off`
   (the user's own `#include <ac.h>`). */
static bool included_before(const Source *src, size_t off, const char *base) {
  const char *needle = xformat("/%s\" 1", base);
  const char *needle2 = xformat("\"%s\" 1", base);
  for (size_t i = 0; i < off && i < src->len;) {
    const char *nl = memchr(src->text + i, '\n', src->len - i);
    size_t e = nl ? (size_t)(nl - src->text) : src->len;
    if (src->text[i] == '#') {
      const char *line = xstrndup(src->text + i, e - i);
      if (strstr(line, needle) || strstr(line, needle2))
        return true;
    }
    i = e + 1;
  }
  return false;
}

/*
 * Before the first async definition or prototype (not at the top of the
 * file: feature-test macros defined there must come before any include):
 * ac.h and stdlib.h unless the file included them already, the future
 * registry of ac_spawn (emit_registry.c) and the declarations of async
 * functions of other TUs.
 */
static void write_prelude(Emit *E, size_t at) {
  if (E->out->len && E->out->buf[E->out->len - 1] != '\n')
    out(E, "\n");
  static const char *const headers[] = {"ac.h", "stdio.h", "stdlib.h"};
  const char *missing[4] = {NULL};
  for (int i = 0, n = 0; i < 3; i++)
    if (!included_before(E->p->src, at, headers[i]))
      missing[n++] = headers[i];
  prelude_includes(E->p, missing, E->out);
  /* A future polled again after it completed (or was dropped) has no
     value to give: the poll says so and aborts (docs/language.md). */
  out(E, "static __attribute__((noreturn, cold, unused)) void\n"
      "ac__polled_after_completion(const char *f) {\n"
      "  fprintf(stderr, \"acc: a future of '%%s' was polled after it "
      "completed or was dropped\\n\", f);\n  abort();\n}\n");
  /* the drop of every static async function without an await */
  out(E, "static __attribute__((unused)) void ac__drop_done(void *ac__self) "
      "{\n  *(uint32_t *)ac__self = " DONE_STATE ";\n}\n");
  /* How a static function's frame is dropped, as data (table_drop): by
     its own function, or by a table of the child of each state and the
     child's plan, which the file's one ac__drop_by walks down; the
     drops of frames that are tables are then no functions for the C
     compiler to build, unless a vtable names them. */
  out(E, "typedef struct ac__drop_entry ac__drop_entry;\n"
      "typedef struct ac__drop_plan {\n  void (*drop)(void *);\n"
      "  uint32_t n;\n  const ac__drop_entry *e;\n} ac__drop_plan;\n"
      "struct ac__drop_entry {\n  uint32_t off;\n"
      "  const ac__drop_plan *plan;\n};\n"
      "static const ac__drop_plan ac__plan_done __attribute__((unused)) = "
      "{0, 0, 0};\n"
      "static __attribute__((noinline, unused)) void\n"
      "ac__drop_by(void *ac__self, const ac__drop_plan *ac__p) {\n"
      "  for (;;) {\n    uint32_t ac__s;\n"
      "    if (ac__p->drop) {\n      ac__p->drop(ac__self);\n"
      "      return;\n    }\n"
      "    ac__s = *(uint32_t *)ac__self;\n"
      "    *(uint32_t *)ac__self = " DONE_STATE ";\n"
      "    if (ac__s - 1 >= ac__p->n)\n      return;\n"
      "    ac__self = (char *)ac__self + ac__p->e[ac__s - 1].off;\n"
      "    ac__p = ac__p->e[ac__s - 1].plan;\n  }\n}\n");
  emit_future_registry(E->p, E->out);
  for (int i = 0; i < E->p->externs.len; i++)
    extern_decl(E, E->p->externs.items[i]);
  emit_debug_prelude(E->p, E->out);
}

/* A top-level item of the .ac and the token-map units it covers. */
typedef struct Item {
  Node *node;
  int u0, u1;
} Item;

/* The main file's top-level items, in order; an item made by a macro
   shares that invocation's unit with its neighbours. */
static Vec main_items(Program *p) {
  Vec items = {0};
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    Item it = {n, 0, 0};
    if (n->end > n->begin &&
        tokmap_units(source_map(p->src), n->begin, n->end, &it.u0, &it.u1)) {
      Item *copy = xalloc(sizeof *copy);
      *copy = it;
      vec_push(&items, copy);
    } else if (is_async_item(n) && source_in_main(p->src, n->begin)) {
      error_at(n->begin, "cannot tell where the .ac writes this async "
               "function (the preprocessor's tokens differ from clang's; "
               "--cpp must be a clang)");
    }
  }
  return items;
}

/* An item that is no async one but shares an invocation with one: its
   text as the buffer has it where the invocation is cut. */
static void plain_item(Emit *E, Node *n) {
  const TokMap *m = source_map(E->p->src);
  int t = tokmap_find(m, n->begin);
  if (t >= 0 && m->toks[t].main)
    out(E, "%s", tokmap_mark(m->toks[t].file, m->toks[t].line));
  tokmap_copy(m, E->p->src, n->begin, n->end, NULL, NULL, E->out);
  out(E, "\n%c", TOKMAP_SCAFFOLD);
}

/*
 * The .ac as written, each run of top-level items that holds an async
 * definition or prototype replaced by generated code.  Items made by one
 * macro invocation (two async functions from one macro, or a function and
 * its neighbour) share the invocation and are replaced together.
 */
static void splice(Emit *E) {
  Program *p = E->p;
  const TokMap *m = source_map(p->src);
  Vec items = main_items(p);
  /* A UTF-8 byte order mark must stay first in a file: the output starts
     with a #line, so it goes. */
  size_t pos = m->ac_len >= 3 && !memcmp(m->ac, "\xEF\xBB\xBF", 3) ? 3 : 0;
  int use = emit_first_use(p);
  Node *first_use = use >= 0 ? p->tu->args.items[use] : NULL;
  out(E, "%s", tokmap_verbatim(0, 1));
  for (int i = 0; i < items.len;) {
    flush_lines(E);
    Item *first = items.items[i];
    int j = i + 1, u1 = first->u1;
    bool async = is_async_item(first->node);
    bool uses = first->node == first_use;
    while (j < items.len && ((Item *)items.items[j])->u0 <= u1) {
      Item *it = items.items[j++];
      async |= is_async_item(it->node);
      uses |= it->node == first_use;
      u1 = it->u1 > u1 ? it->u1 : u1;
    }
    size_t from = m->units[first->u0].ac_begin, to = m->units[u1].ac_end;
    if ((!async && (!uses || E->prelude)) || from < pos) {
      i = j;
      continue;
    }
    copy_ac(E, m, pos, from);
    /* Generated code from here on, the prelude included: mapped to the
       output's own lines. */
    out(E, "%s%c", E->out->len && E->out->buf[E->out->len - 1] != '\n'
                       ? "\n" : "", TOKMAP_SCAFFOLD);
    if (!E->prelude)
      write_prelude(E, first->node->begin);
    E->prelude = true;
    if (!async) { /* plain code that names an async function: after it */
      int file, line;
      tokmap_presumed(m, first->u0, from, &file, &line);
      out(E, "%s", tokmap_verbatim(file, line));
      pos = from;
      i = j;
      continue;
    }
    for (int k = i; k < j; k++) {
      Node *n = ((Item *)items.items[k])->node;
      if (n->kind == ND_FUNC_DEF && is_async_item(n))
        gen_func(E, func_of_def(p, n));
      else if (is_async_item(n))
        gen_proto(E, n);
      else
        plain_item(E, n);
    }
    int file, line;
    tokmap_presumed(m, u1, to, &file, &line);
    out(E, "%s", tokmap_verbatim(file, line));
    pos = to;
    i = j;
  }
  copy_ac(E, m, pos, m->ac_len);
}

/* ==== headers written out in place (emit_include.c) ==== */

/*
 * A header that defines async functions, or declares them where the C
 * compiler would read the declaration, is written out where the .ac
 * includes it, its async items replaced like the .ac's.  Its text is
 * copied by lines, in its own spelling, under #line directives naming it;
 * the headers it includes that hold async code are written out the same
 * way.
 */
typedef struct HdrText {
  char *text;
  size_t len;
  Vec lines; /* offset (intptr_t) of each line's start */
} HdrText;

static bool read_hdr(const char *path, HdrText *t) {
  t->text = read_file(path, &t->len);
  if (!t->text)
    return false;
  vec_push(&t->lines, (void *)(intptr_t)0);
  for (size_t i = 0; i < t->len; i++)
    if (t->text[i] == '\n')
      vec_push(&t->lines, (void *)(intptr_t)(i + 1));
  return true;
}

static size_t hdr_offset(HdrText *t, Loc loc) {
  if (loc.line < 1 || loc.line > t->lines.len)
    return t->len;
  size_t off = (size_t)(intptr_t)t->lines.items[loc.line - 1] +
               (size_t)(loc.col - 1);
  return off < t->len ? off : t->len;
}

/* The 1-based line of offset `at` of t. */
static int hdr_line_at(HdrText *t, size_t at) {
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

static const char *escape_path(const char *path) {
  Str s = {0};
  for (const char *c = path; *c; c++) {
    if (*c == '\\' || *c == '"')
      str_add(&s, "\\", 1);
    str_add(&s, c, 1);
  }
  return str_cstr(&s);
}

static void line_directive(Emit *E, int line) {
  if (E->no_line)
    return;
  if (E->out->len && E->out->buf[E->out->len - 1] != '\n')
    out(E, "\n");
  out(E, "#line %d \"%s\"\n", line, E->path);
}

static bool is_pragma_once(const char *p, const char *end) {
  p = pragma_operand(p, end);
  return p && end - p >= 4 && !strncmp(p, "once", 4);
}

/* The file an item is written in, NULL if it starts and ends in
   different files. */
static const char *item_file(Program *p, Node *n) {
  Loc b = source_loc(p->src, n->begin), e = source_loc(p->src, n->end);
  return strcmp(b.file, e.file) ? NULL : b.file;
}

static void emit_header_file(Emit *E, const char *file);

/* Lines [from, to) of header `file`: `#pragma acc` and `#pragma once`
   lines become comments, headers that hold async code are written out. */
static void copy_hdr(Emit *E, HdrText *t, const char *file, size_t from,
                     size_t to) {
  for (size_t i = from; i < to;) {
    bool bol = i == 0 || t->text[i - 1] == '\n';
    const char *nl = memchr(t->text + i, '\n', to - i);
    size_t end = nl ? (size_t)(nl - t->text) + 1 : to;
    bool expand = false;
    const char *child =
        bol && E->incs ? include_child(E->incs, file, hdr_line_at(t, i),
                                       xstrndup(t->text + i, end - i),
                                       &expand)
                       : NULL;
    if (expand && E->depth < 64) {
      int line = hdr_line_at(t, i);
      write_header_out(E, child);
      line_directive(E, line + 1);
    } else if (child && child[0] == '/') {
      out(E, "#include \"%s\"\n", escape_path(child));
    } else {
      if (bol && (is_acc_pragma(t->text + i, t->text + end) ||
                  is_pragma_once(t->text + i, t->text + end)))
        out(E, "// ");
      for (size_t j = i; j < end; j++)
        str_add(E->out, t->text[j] ? t->text + j : " ", 1);
    }
    i = end;
  }
}

/* Header `file` with its async items replaced by generated code. */
static void emit_header_file(Emit *E, const char *file) {
  Program *p = E->p;
  HdrText t = {0};
  if (!read_hdr(file, &t)) {
    error_at(0, "cannot read '%s' again to copy it", file);
    return;
  }
  size_t pos = 0;
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    const char *f = is_async_item(n) ? item_file(p, n) : NULL;
    if (!f || strcmp(f, file))
      continue;
    Loc b = source_loc(p->src, n->begin), e = source_loc(p->src, n->end);
    size_t from = hdr_offset(&t, b), to = hdr_offset(&t, e);
    if (from < pos || to < from)
      continue;
    copy_hdr(E, &t, file, pos, from);
    out(E, "%s%c", E->out->len && E->out->buf[E->out->len - 1] != '\n'
                       ? "\n" : "", TOKMAP_SCAFFOLD);
    if (n->kind == ND_FUNC_DEF)
      gen_func(E, func_of_def(p, n));
    else
      gen_proto(E, n);
    line_directive(E, e.line);
    if (E->no_line && E->out->len && E->out->buf[E->out->len - 1] != '\n')
      out(E, "\n");
    pos = to;
  }
  copy_hdr(E, &t, file, pos, t.len);
}

/* `child` written out where the line that includes it was: the prelude
   first (outside the header's guards), then the header under #line
   directives naming it. */
static void write_header_out(Emit *E, const char *child) {
  out(E, "%s%c", E->out->len && E->out->buf[E->out->len - 1] != '\n'
                     ? "\n" : "", TOKMAP_SCAFFOLD);
  if (!E->prelude)
    write_prelude(E, 0);
  E->prelude = true;
  const char *saved = E->path;
  E->path = escape_path(child);
  line_directive(E, 1);
  E->depth++;
  emit_header_file(E, child);
  E->depth--;
  E->path = saved;
  if (E->out->len && E->out->buf[E->out->len - 1] != '\n')
    out(E, "\n");
  out(E, "%c", TOKMAP_SCAFFOLD);
}

int emit_c(Program *p, const char *out_name, bool no_line, int fd,
           Str *final) {
  Str text = {0};
  Emit E = {.p = p, .out = &text, .text = &text, .no_line = no_line};
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
  place_rewrites(&E);
  E.lines = emit_lines_start(source_map(p->src), out_name, no_line, fd,
                             final);
  splice(&E);
  int err = emit_lines_end(E.lines, &text);
  free(text.buf);
  return err;
}
