/*
 * lower_stmt.c: async function bodies to states, statement by statement.
 *
 * The body keeps its own control flow: blocks, if, switch, loops, labels and
 * gotos are written back as they were, and the entry switch of the poll
 * function jumps to the resumption label of the await site the frame
 * stopped at.  That jump is legal C because no C declaration stands in the
 * way: every local of a scope that contains an await lives in the frame
 * (its declaration becomes an assignment), and scopes without awaits are
 * copied unchanged with their own C locals.
 *
 * Only loops whose condition or step awaits are reshaped, into for (;;)
 * with the condition inside, so the condition is evaluated again on every
 * iteration; a `continue` of such a loop jumps to a label before the step.
 *
 * The layout follows the scopes: a scope with frame locals is a struct of
 * them plus a union of its inner scopes and of the temporaries and children
 * of each full expression in it (rustc overlaps coroutine locals the same
 * way, by liveness; scopes are our approximation of it).
 */
#define _GNU_SOURCE /* memmem */
#include "live_locals.h"
#include "lower.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/* ==== declarations ==== */

/* A type written at offset `at` of the body, hoisted to file scope with
   the #pragma pack of its definition. */
static void hoist(Lower *L, size_t at, const char *text) {
  vec_push(&L->fn->hoisted, (char *)pragma_pack_wrap(L->src, at, text));
}

/* A local that only a hoisted type named (`char tag[sizeof name]`) is no
   longer named in the body, and a C local of poll would be reported
   unused where its erasure's is used: the body names it once more. */
static void keep_hoisted_names_used(Lower *L) {
  for (int i = 0; i < L->hoist_named.len; i++) {
    Decl *d = L->hoist_named.items[i];
    Slot *slot = lower_slot_of(L, d);
    lower_emit(L, "(void)%s;\n", slot ? lower_slot_ref(slot) : d->name);
  }
  L->hoist_named.len = 0;
}

/* A frame local's initialiser is stored with memcpy from a temporary when
   `=` cannot store it: a type with const parts, or a braced list. */
static bool init_needs_memcpy(const char *type, Node *init) {
  return !lower_assignable(type) || init->kind == ND_INIT_LIST;
}

/* Whether a goto in n after `at` can land on a label in [from, at): a
   computed goto or a label's address taken counts as such a jump. */
static bool jumps_back(Node *n, size_t from, size_t at) {
  if (!n)
    return false;
  if (n->kind == ND_LABEL_ADDR || n->kind == ND_GOTO_INDIRECT)
    return true;
  if (n->kind == ND_GOTO && n->begin > at && n->target &&
      n->target->begin >= from && n->target->begin < at)
    return true;
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    if (jumps_back(kids[i], from, at))
      return true;
  for (int i = 0; n->kind != ND_SWITCH && i < n->args.len; i++)
    if (jumps_back(n->args.items[i], from, at))
      return true;
  for (int i = 0; i < n->decls.len; i++)
    if (jumps_back(((Decl *)n->decls.items[i])->init, from, at))
      return true;
  return false;
}

/* Storage of a local declared at `d` may be shared with what comes before it
   in its block, which runs before its lifetime's first use, unless a goto
   inside the block jumps back over the declaration: the local then stays
   alive (C11 6.2.4p6) while that earlier code runs again.  A goto from
   outside enters the block anew, which starts a new lifetime, so only the
   block itself is searched. */
static bool may_share_before(Lower *L, Decl *d) {
  Node *blk = L->block;
  return !blk || !jumps_back(blk, blk->begin, d->name_off);
}

/*
 * A variably modified type in scope at an await cannot be declared in the
 * poll: resuming there jumps into its scope past its declaration, which C
 * forbids.  Its sizes are computed where C computes them, into frame
 * fields, and the type is written from those wherever it is used:
 *   before:  typedef long row[n];     row *g = malloc(m * sizeof(row));
 *   after:   ac__F->t7 = (ac__F->n_2);        ac__F->t8 = ...; ac__F->g_3 = malloc(ac__F->m_4 *
 *                                         sizeof(__typeof__(long [ac__F->t7])));
 * row stands for __typeof__(long [ac__F->t7]) from then on, and a pointer
 * local such as g is a void * field read through its type:
 *   (*(__typeof__(__typeof__(long [ac__F->t7]) *) *)&ac__F->g_3)
 */
static const char *vm_size(Lower *L, size_t begin, size_t end) {
  const char *e = lower_src_locals(L, begin, end);
  const char *q = e;
  while (*q == ' ' || *q == '\t' || *q == '\n')
    q++;
  if (!*q || !strcmp(q, "*"))
    return e;
  Slot *t = lower_new_slot(L, L->scope, SL_TEMP, xformat("ac__t%d", ++L->ntemp),
                           "size_t");
  t->born = L->fn->sites.len;
  lower_emit(L, "ac__F->%s = (%s);\n", t->name, e);
  return xformat("ac__F->%s", t->name);
}

/* The type d declares, as a type name with its sizes read from the frame
   (the assignments of those are emitted here). */
static const char *vm_type(Lower *L, Decl *d) {
  const char *t = L->src->text;
  size_t name_end = d->name_off + strlen(d->name);
  Str s = {0};
  str_printf(&s, "%s ", lower_type_words(lower_src_locals(L, d->spec->begin,
                                                          d->spec->end)));
  for (size_t i = d->begin; i < d->end;) {
    if (i == d->name_off) {
      i = name_end;
    } else if (t[i] == '[') {
      size_t j = i + 1;
      for (int depth = 1; j < d->end; j++) {
        depth += (t[j] == '[') - (t[j] == ']');
        if (!depth)
          break;
      }
      str_printf(&s, "[%s]", vm_size(L, i + 1, j));
      i = j + 1;
    } else {
      size_t j = i;
      while (j < d->end && t[j] != '[' && j != d->name_off)
        j++;
      str_puts(&s, lower_src_locals(L, i, j));
      i = j;
    }
  }
  return str_cstr(&s);
}

/* Whether an await follows statement s in its block (its scope). */
static bool await_follows(Lower *L, Node *s) {
  Node *b = L->block;
  if (!b || b->kind != ND_BLOCK)
    return false;
  bool after = false;
  for (int i = 0; i < b->args.len; i++) {
    Node *item = b->args.items[i];
    if (after && item->has_await)
      return true;
    after |= item == s;
  }
  return false;
}

/* Whether every use of d under n is the operand of an await (`await f`,
   `await (f)`): nothing else can hold the frame that d points to. */
static bool only_awaited(Node *n, Decl *d, bool operand) {
  if (n->kind == ND_IDENT)
    return n->decl != d || operand;
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++)
    if (!only_awaited(kids[i], d, n->kind == ND_AWAIT && kids[i] == n->lhs))
      return false;
  return true;
}

/*
 * A frame local's declaration becomes an assignment:
 *   before:  int n = await g(1);       const int k[2] = {a, b};
 *   after:   <await> ac__F->n_4 = ac__F->ac__t1;   { __typeof__(ac__F->k_5) ac__v = {ac__F->a_1, b};
 *                                        __builtin_memcpy((void *)&ac__F->k_5, ...); }
 */
static void frame_local_init(Lower *L, Decl *d, Slot *s, const char *type,
                             bool future, bool heap);

static void frame_local(Lower *L, Decl *d) {
  Node *init = d->init;
  bool future = init && !init->has_await && lower_is_async_call(init);
  /* A future of a function of another TU: its size is unknown here. */
  bool heap = future && !lower_func_of(L->prog, init->lhs->decl);
  const char *type = heap     ? xformat("struct %s__frame *", init->lhs->name)
                     : future ? xformat("%s__frame", init->lhs->name)
                              : lower_type_of_decl(L, d);
  /* Without a type name the field repeats the declarator, and
     `__auto_type x;` declares nothing without its initializer. */
  if (!type ? strstr(lower_src(L, d->spec->begin, d->spec->end),
                     "__auto_type") != NULL
            : strstr(type, "__auto_type") != NULL)
    error_at(d->name_off, "the type of '%s' has no name, so it cannot be "
             "stored in the frame of an async function; give the struct or "
             "union a tag or a typedef", d->name);
  /* Its storage starts here: what comes before it in the block may share. */
  if (may_share_before(L, d))
    L->scope = lower_new_group(lower_inner(L->scope), false,
                               xformat("%s and after", d->name));
  const char *vm = NULL;
  if (oracle_decl_is_vm_pointer(L->o, d->name_off)) {
    vm = vm_type(L, d);
    type = "void *";
  } else if (!d->is_vla && oracle_decl_is_vm(L->o, d->name_off)) {
    error_at(d->name_off, "'%s' has a variably modified type (sized at run "
             "time), so it cannot live in the frame of an async function",
             d->name);
  }
  Slot *s = lower_new_slot(L, L->scope, SL_LOCAL,
                           lower_field_name(L, d->name), type);
  s->decl = d;
  if (vm)
    s->ref = xformat("(*(__typeof__(%s) *)&ac__F->%s)", vm, s->name);
  if (future && !heap)
    s->frame = lower_func_of(L->prog, init->lhs->decl);
  Vec attrs = {0};
  lower_decl_attrs(L, d, &attrs);
  s->align_spec = lower_align_spec(L, d, &attrs);
  vec_push(&L->slot_of, d);
  vec_push(&L->slot_of, s);
  if (init)
    frame_local_init(L, d, s, type, future, heap);
  const char *cleanup = lower_attr_args(&attrs, "cleanup");
  if (cleanup)
    lower_cleanup_add(L, d, s, cleanup);
  /* A future of another file's function that is only ever awaited is
     released where it goes out of scope, or when the frame is dropped,
     if no await has run it (the await frees it and zeroes the field). */
  else if (heap && only_awaited(L->fn->def->body, d, false))
    lower_cleanup_add(L, d, s, xformat("(%s__release)", init->lhs->name));
}

/* The assignment that stands for a frame local's initializer. */
static void frame_local_init(Lower *L, Decl *d, Slot *s, const char *type,
                             bool future, bool heap) {
  Node *init = d->init;
  L->expr = NULL;
  if (future) {
    if (heap)
      lower_emit(L, "ac__F->%s = %s__new(", s->name, init->lhs->name);
    else
      lower_emit(L, "%s__init(&ac__F->%s", init->lhs->name, s->name);
    for (int i = 0; i < init->args.len; i++)
      lower_emit_copy(L, i || !heap ? ", " : "", init->args.items[i], "");
    lower_emit(L, ");\n");
    return;
  }
  const char *v = lower_expr(L, init);
  if (init_needs_memcpy(type, init))
    lower_emit(L, "{ __typeof__(ac__F->%s) ac__v = %s;\n"
               "__builtin_memcpy((void *)&ac__F->%s, (const void *)&ac__v, "
               "sizeof ac__v); }\n",
               s->name, v, s->name);
  else
    lower_emit(L, "ac__F->%s = %s;\n", s->name, v);
  L->expr = NULL;
}

/* `struct T;` or `union T;`: nothing but a tag, without a body. */
static bool is_tag_declaration(Lower *L, Node *s) {
  const char *t = L->src->text + s->begin;
  return !strncmp(t, "struct", 6) || !strncmp(t, "union", 5);
}

/* A declaration none of whose locals lives across an await
   (live_locals.c) stays as written, a C local of the poll function: it
   needs no frame field.  Not when it defines a tag (a frame field of
   that type elsewhere needs it hoisted), has a VLA or, followed in its
   scope by an await the frame may suspend at, a local of another
   variably modified type (the resumption gotos may not jump into its
   scope), or awaits in an initializer. */
static bool stays_local(Lower *L, Node *s) {
  if (s->spec->tags.len)
    return false;
  for (int i = 0; i < s->decls.len; i++) {
    Decl *d = s->decls.items[i];
    if (d->is_vla || (d->init && d->init->has_await) ||
        live_local_in_frame(d) ||
        (live_suspends_after(d) && oracle_decl_is_vm(L->o, d->name_off)))
      return false;
  }
  return true;
}

static void decl_stmt(Lower *L, Node *s) {
  DeclSpec *sp = s->spec;
  bool keep = sp->storage == SC_TYPEDEF || sp->storage == SC_EXTERN ||
              sp->storage == SC_STATIC || sp->is_thread_local ||
              !s->decls.len;
  for (int i = 0; i < s->decls.len; i++)
    if (((Decl *)s->decls.items[i])->kind != DK_VAR)
      keep = true;
  /* A variably modified typedef (`typedef int row[n];`) needs its size
     where it is declared: it stays in the body, renamed nowhere (sema
     makes sure no await follows it in its scope). */
  for (int i = 0; keep && sp->storage == SC_TYPEDEF && i < s->decls.len; i++)
    if (oracle_decl_is_vm(L->o, ((Decl *)s->decls.items[i])->name_off)) {
      if (!await_follows(L, s)) {
        lower_emit_copy(L, "", s, "\n");
        return;
      }
      for (int k = 0; k < s->decls.len; k++) {
        Decl *d = s->decls.items[k];
        vec_push(&L->renamed, d);
        vec_push(&L->renamed, (char *)xformat("__typeof__(%s)", vm_type(L, d)));
      }
      return;
    }
  if (!keep && !lower_has_cleanup(L, s) && stays_local(L, s))
    keep = true; /* lives across no await: a C local of poll */
  if (keep && (sp->storage == SC_TYPEDEF || !s->decls.len)) {
    /* The file-scope copy serves the body too: a second definition here
       would be another type than the frame fields'.  Its names are made
       unique at file scope (other functions and blocks may reuse them). */
    for (int i = 0; i < s->decls.len; i++)
      if (((Decl *)s->decls.items[i])->kind == DK_TYPEDEF)
        lower_rename_decl(L, s->decls.items[i]);
    for (int i = 0; i < sp->tags.len; i++)
      lower_rename_tag(L, sp->tags.items[i]);
    /* `struct T;` declares a new T in this block (C11 6.7.2.3p7), which
       hides any outer T: it is hoisted under a name of its own. */
    if (!s->decls.len && !sp->tags.len && is_tag_declaration(L, s))
      lower_rename_tag(L, s);
    hoist(L, s->begin, lower_src_hoisted(L, s->begin, s->end));
    keep_hoisted_names_used(L);
    return;
  }
  if (keep) {
    /* An async function's declaration is acc's, not C's: its frame type
       and functions are declared at file scope already. */
    bool async_fn = false;
    for (int i = 0; i < s->decls.len; i++)
      async_fn |= ((Decl *)s->decls.items[i])->kind == DK_FUNC &&
                  ((Decl *)s->decls.items[i])->is_async;
    if (!async_fn)
      lower_emit_copy(L, "", s, "\n");
    return;
  }
  for (int i = 0; i < sp->tags.len; i++) {
    Node *tag = sp->tags.items[i];
    if (lower_tag_has_name(L, tag)) {
      lower_rename_tag(L, tag);
      hoist(L, tag->begin,
            xformat("%s;", lower_src_hoisted(L, tag->begin, tag->end)));
    } else {
      hoist(L, tag->begin, lower_hoist_unnamed(L, tag));
    }
  }
  keep_hoisted_names_used(L);
  for (int i = 0; i < s->decls.len; i++) {
    Decl *d = s->decls.items[i];
    if (d->is_vla && !oracle_decl_is_vm_pointer(L->o, d->name_off))
      error_at(d->name_off, "variable length array '%s' cannot live in the "
               "frame of an async function", d->name);
    frame_local(L, d);
  }
}

/* ==== statements ==== */

static void block(Lower *L, Node *s) {
  Group *saved = L->scope;
  Node *saved_block = L->block;
  L->block = s;
  Loc loc = source_loc(L->src, s->begin);
  L->scope = lower_new_group(lower_inner(saved), false,
                             xformat("block at %d:%d", loc.line, loc.col));
  lower_emit(L, "{\n");
  lower_cleanup_open(L, s);
  lower_reserve_literals(L, s);
  for (int i = 0; i < s->args.len; i++) {
    Node *item = s->args.items[i];
    if (i > 0 && lower_falls_into(s->args.items[i - 1], item))
      lower_emit(L, "__attribute__((fallthrough));\n");
    lower_stmt(L, item);
  }
  lower_line(L, s->end - 1); /* its `}` */
  lower_cleanup_close(L);
  lower_emit(L, "}\n");
  L->scope = saved;
  L->block = saved_block;
}

/*   before:  await f(x);      after:  <await f(x)>
 *   before:  y = await f();   after:  <await f() into ac__F->ac__t1>  (ac__F->y_2 = ac__F->ac__t1); */
static void expr_stmt(Lower *L, Node *s) {
  if (s->lhs->kind == ND_STMT_EXPR) { /* its value is not used */
    lower_stmt_expr(L, s->lhs, false);
    return;
  }
  const char *v = lower_expr(L, s->lhs);
  if (s->lhs->kind != ND_AWAIT)
    lower_emit(L, "%s;\n", v);
}

/* The substatement of an if, a loop or a switch.  A case or default label
   is lowered without braces of its own (a fallthrough attribute must
   stand right before it), so one that is a whole substatement gets them
   here: `switch (k) case 1: s += await f();` must not become
   `switch (k) case 1:; { ... }`, whose block would run for every k. */
static void body_stmt(Lower *L, Node *s) {
  bool brace = s->has_await && (s->kind == ND_CASE || s->kind == ND_DEFAULT);
  if (brace)
    lower_emit(L, "{\n");
  lower_stmt(L, s);
  if (brace)
    lower_emit(L, "}\n");
}

static const char *cond_text(Lower *L, Node *c) {
  L->expr = NULL;
  const char *t = lower_expr(L, c);
  L->expr = NULL;
  return t;
}

/*   before:  if (await p()) A else B
 *   after:   <await p() into ac__F->ac__t1>  if (ac__F->ac__t1) A else B */
static void if_stmt(Lower *L, Node *s) {
  lower_emit(L, "if (%s)\n", cond_text(L, s->cond));
  body_stmt(L, s->then);
  if (s->els) {
    lower_emit(L, "else\n");
    body_stmt(L, s->els);
  }
}

static bool has_continue(Node *n, Node *loop) {
  if (!n)
    return false;
  if (n->kind == ND_CONTINUE && n->target == loop)
    return true;
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++)
    if (has_continue(kids[i], loop))
      return true;
  return false;
}

/* A fresh label for the continues of a loop being rewritten, recorded for
   lower_copy (continue_label_of in lower_copy.c); NULL if its body has no
   continue of its own. */
static const char *new_continue_label(Lower *L, Node *loop) {
  if (!has_continue(loop->body, loop))
    return NULL;
  char *label = xformat("ac__cont%d", ++L->nlabel);
  vec_push(&L->cont, loop);
  vec_push(&L->cont, label);
  return label;
}

/*   before:  while (await p()) S
 *   after:   for (;;) { <await p() into ac__F->ac__t1> if (!(ac__F->ac__t1)) break; S } */
static void while_stmt(Lower *L, Node *s) {
  lower_reserve_literals(L, s);
  if (!s->cond->has_await) {
    lower_emit_copy(L, "while (", s->cond, ")\n");
    body_stmt(L, s->body);
    return;
  }
  lower_emit(L, "for (;;) {\n");
  lower_emit(L, "if (!(%s)) break;\n", cond_text(L, s->cond));
  body_stmt(L, s->body);
  lower_emit(L, "}\n");
}

/*   before:  do S while (await p());
 *   after:   for (;;) { S ac__cont1:; <await p() into ac__F->ac__t1> if (!(ac__F->ac__t1)) break; } */
static void do_stmt(Lower *L, Node *s) {
  lower_reserve_literals(L, s);
  if (!s->cond->has_await) {
    lower_emit(L, "do\n");
    body_stmt(L, s->body);
    lower_emit_copy(L, "while (", s->cond, ");\n");
    return;
  }
  const char *label = new_continue_label(L, s);
  lower_emit(L, "for (;;) {\n");
  body_stmt(L, s->body);
  if (label)
    lower_emit(L, "%s:;\n", label);
  lower_emit(L, "if (!(%s)) break;\n}\n", cond_text(L, s->cond));
}

/*   before:  for (int i = 0; i < await n(); i += await d()) S
 *   after:   { ac__F->i_3 = 0;
 *              for (;;) { <await n() into ac__F->ac__t1> if (!(ac__F->i_3 < ac__F->ac__t1)) break;
 *                S ac__cont1:; <await d() into ac__F->ac__t2> (void)(ac__F->i_3 += ac__F->ac__t2); } } */
static void for_stmt(Lower *L, Node *s) {
  Group *saved = L->scope;
  Node *saved_block = L->block;
  L->block = s;
  Loc loc = source_loc(L->src, s->begin);
  L->scope = lower_new_group(lower_inner(saved), false,
                             xformat("for at %d:%d", loc.line, loc.col));
  lower_emit(L, "{\n");
  lower_cleanup_open(L, s);
  lower_reserve_literals(L, s);
  if (s->init)
    lower_stmt(L, s->init);
  bool reshape = (s->cond && s->cond->has_await) ||
                 (s->inc && s->inc->has_await);
  if (!reshape) {
    char *cond = s->cond ? lower_copy_text(L, s->cond) : NULL;
    char *inc = s->inc ? lower_copy_text(L, s->inc) : NULL;
    lower_emit(L, "for (; %s; %s)\n", cond ? cond : "", inc ? inc : "");
    free(cond);
    free(inc);
    body_stmt(L, s->body);
  } else {
    const char *label = s->inc ? new_continue_label(L, s) : NULL;
    lower_emit(L, "for (;;) {\n");
    if (s->cond)
      lower_emit(L, "if (!(%s)) break;\n", cond_text(L, s->cond));
    body_stmt(L, s->body);
    if (label)
      lower_emit(L, "%s:;\n", label);
    if (s->inc)
      lower_emit(L, "(void)(%s);\n", cond_text(L, s->inc));
    lower_emit(L, "}\n");
  }
  lower_cleanup_close(L);
  lower_emit(L, "}\n");
  L->scope = saved;
  L->block = saved_block;
}

/*   before:  case 2: x = await f();    L: await f();
 *   after:   case 2:; { <await f()> ... }   L:; { <await f()> } */
static void labeled(Lower *L, Node *s) {
  lower_emit(L, "%s;\n", lower_src(L, s->begin, s->body->begin));
  lower_stmt(L, s->body);
}

static void stmt_await(Lower *L, Node *s) {
  switch (s->kind) {
  case ND_BLOCK: block(L, s); return;
  case ND_DECL_STMT: decl_stmt(L, s); return;
  case ND_EXPR_STMT: expr_stmt(L, s); return;
  case ND_IF: if_stmt(L, s); return;
  case ND_WHILE: while_stmt(L, s); return;
  case ND_DO: do_stmt(L, s); return;
  case ND_FOR: for_stmt(L, s); return;
  case ND_SWITCH:
    lower_emit(L, "switch (%s)\n", cond_text(L, s->cond));
    body_stmt(L, s->body);
    return;
  case ND_CASE: case ND_DEFAULT: case ND_LABEL: labeled(L, s); return;
  case ND_RETURN:
    lower_emit(L, "%s\n", lower_return_text(L, s->lhs ? cond_text(L, s->lhs)
                                                      : NULL));
    return;
  default:
    error_at(s->begin, "await in this statement is not supported");
  }
}

void lower_stmt(Lower *L, Node *s) {
  lower_line(L, s->begin);
  if (!s->has_await && s->kind != ND_DECL_STMT && !lower_has_cleanup(L, s)) {
    lower_emit_copy(L, "", s, "\n");
    L->copied_from = s->begin;
    L->copied_to = s->end;
    return;
  }
  L->expr = NULL;
  bool wrap = s->kind != ND_BLOCK && s->kind != ND_DECL_STMT &&
              s->kind != ND_CASE && s->kind != ND_DEFAULT;
  HotLoop hot;
  bool loop = s->kind == ND_FOR || s->kind == ND_WHILE || s->kind == ND_DO;
  bool maybe_hot = loop && lower_hot_begin(L, s, &hot);
  if (wrap)
    lower_emit(L, "{\n");
  stmt_await(L, s);
  if (wrap)
    lower_emit(L, "}\n");
  if (maybe_hot)
    lower_hot_end(L, &hot);
  L->expr = NULL;
}

/* ==== functions ==== */

static AsyncFunc *new_func(Program *p, Node *def) {
  AsyncFunc *fn = xalloc(sizeof *fn);
  fn->def = def;
  fn->decl = def->decl;
  fn->name = def->decl->name;
  fn->ret_type = lower_result_type(p, def->decl);
  fn->is_void = !strcmp(fn->ret_type, "void");
  fn->ret_scalar = !fn->is_void &&
                   oracle_result_is_plain_scalar(p->oracle, def->decl->name_off);
  fn->is_static = def->spec->storage == SC_STATIC;
  fn->is_main = !strcmp(fn->name, "main");
  fn->line = source_loc(p->src, def->begin).line;
  if (lower_is_void_params(p->src, def->decl))
    fn->decl->params.len = 0;
  fn->param_text = lower_param_text(p->src, fn->decl);
  fn->param_fwd_text = vm_params_forward(p->src, fn->decl);
  fn->main_argv = fn->is_main && fn->decl->params.len >= 2;
  fn->frame = lower_new_group(NULL, false, "frame");
  Decl *first = fn->decl->first ? fn->decl->first : fn->decl;
  if (!map_get(&p->func_by_decl, first))
    map_put(&p->func_by_decl, first, fn);
  map_put(&p->func_by_def, def, fn);
  if (!map_get(&p->func_by_name, fn->name))
    map_put(&p->func_by_name, fn->name, fn);
  return fn;
}

/* Text [from, to) of a parameter's declarator with each array size
   replaced by a frame field that f__init keeps where C computes it, once
   at the call (`[m]` -> `[ac__F->ac__t1]`; f__init's parameter
   `[(ac__F->ac__t1 = (m))]`, vm_params.c). */
static const char *vm_param_sizes(Lower *L, size_t from, size_t to,
                                  bool in_spec) {
  const char *t = L->src->text;
  Str s = {0};
  for (size_t i = from; i < to;) {
    size_t j = i;
    while (j < to && t[j] != '[')
      j++;
    str_puts(&s, lower_src_locals(L, i, j));
    if (j >= to)
      break;
    size_t k = vm_bracket_end(t, j, to);
    if (in_spec && vm_no_size(t, j + 1, k)) { /* `typeof(int[]) *`: no size */
      str_puts(&s, lower_src_locals(L, j, k < to ? k + 1 : to));
      i = k + 1;
      continue;
    }
    Slot *size = lower_new_slot(L, L->fn->frame, SL_TEMP,
                                xformat("ac__t%d", ++L->ntemp), "size_t");
    VmSize *v = xalloc(sizeof *v);
    *v = (VmSize){j + 1, k, size->name};
    vec_push(&L->fn->vm_sizes, v);
    str_printf(&s, "[ac__F->%s]", size->name);
    i = k + 1;
  }
  return str_cstr(&s);
}

/*
 * A parameter of a variably modified type (`long a[n][m]`, a pointer to
 * `long [m]`) has no type name at file scope, where the frame is: its
 * field is a void *, and the poll declares the type from the declarator,
 * adjusted as C adjusts a parameter, with its sizes read from the frame
 * (computed once, by f__init), and the body uses the field through it:
 *   typedef long (*ac__vm_a)[ac__F->ac__t1];     (at the poll's start)
 *   a[i][j]  ->  (*(ac__vm_a *)&ac__F->a)[i][j]
 */
static void vm_param(Lower *L, Slot *s, Decl *d) {
  const char *t = L->src->text;
  const char *name = xformat("ac__vm_%s", s->name);
  size_t after = d->name_off + strlen(d->name), i = after;
  while (i < d->end && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
    i++;
  const char *inner = name;
  if (i < d->end && t[i] == '[') { /* its array is a pointer */
    size_t k = vm_bracket_end(t, i, d->end);
    after = k < d->end ? k + 1 : d->end;
    inner = xformat("(*%s)", name);
  }
  s->type = "void *";
  s->vm_typedef = xformat(
      "typedef %s %s%s%s __attribute__((unused));",
      lower_type_words(d->spec_vm
          ? vm_param_sizes(L, d->spec->begin, d->spec->end, true)
          : lower_src_locals(L, d->spec->begin, d->spec->end)),
      vm_param_sizes(L, d->begin, d->name_off, false), inner,
      vm_param_sizes(L, after, d->end, false));
  s->ref = xformat("(*(%s *)&ac__F->%s)", name, s->name);
}

/* A scalar parameter the body never changes is read from the frame once
   per poll, into a local the body names instead (emit_c.c declares it):
   a load of the field after each await would have the C compiler check it
   against every call before it (docs/lowering.md §4). */
static void cache_param(Lower *L, Slot *s, Decl *d) {
  if (s->ref || !live_param_read_only(d) ||
      !oracle_decl_is_plain_scalar(L->o, d->name_off))
    return;
  s->cached = true;
  s->ref = xformat("ac__p_%s", s->name);
}

static void lower_params(Lower *L) {
  AsyncFunc *fn = L->fn;
  bool spec_vm = false;
  Slot *st = lower_new_slot(L, fn->frame, SL_STATE, "ac__state", "uint32_t");
  (void)st;
  for (int i = 0; i < fn->decl->params.len; i++) {
    Decl *d = fn->decl->params.items[i];
    if (!d->name) {
      error_at(fn->def->begin, "a parameter of an async function needs a name");
      continue;
    }
    /* adjusted as C adjusts it: an array or function is a pointer */
    Node *te = d->spec->typeof_expr;
    const char *type = te && lower_is_async_call(te)
        ? NULL : oracle_type_name_param(L->o, fn->decl->name_off, NULL, i,
                                        lower_namer, L);
    Slot *s = lower_new_slot(L, fn->frame, SL_PARAM,
                             lower_field_name(L, d->name),
                             type ? type : lower_decay(lower_type_of_decl(L, d)));
    s->decl = d;
    vec_push(&fn->params, s);
    vec_push(&L->slot_of, d);
    vec_push(&L->slot_of, s);
    if (oracle_decl_is_vm(L->o, d->name_off)) {
      /* Its sizes are in its specifiers when they hold a bracket
         (`typeof(int[n]) *a`): nothing at file scope is sized at run
         time, so the specifiers are variably modified only through one. */
      d->spec_vm = memchr(L->src->text + d->spec->begin, '[',
                          d->spec->end - d->spec->begin) != NULL;
      spec_vm |= d->spec_vm;
      vm_param(L, s, d);
    }
    s->by_memcpy = !lower_assignable(s->type);
    cache_param(L, s, d);
  }
  if (spec_vm) /* the parser could not tell: write it again knowing */
    fn->param_fwd_text = vm_params_forward(L->src, fn->decl);
}

static void lower_func(Program *p, AsyncFunc *fn) {
  Lower L = {.prog = p, .fn = fn, .src = p->src, .o = p->oracle};
  lower_params(&L);
  fn->param_init_text = vm_params_init(L.src, fn); /* after vm_sizes */
  L.scope = fn->frame;
  lower_find_literals(&L, fn->def->body);
  lower_find_cleanups(&L, fn->def->body);
  lower_stmt(&L, fn->def->body);
  lower_line(&L, fn->def->end - 1); /* falling off the end: the last `}` */
  char *ret = (char *)lower_return_text(&L, fn->is_main ? "0" : NULL);
  lower_emit(&L, "%s\n", ret);
  free(ret);
  lower_flush(&L);
  free(L.cur.buf);
  free(L.slot_of.items);
}

static void find_externs(Program *p) {
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    if (n->kind != ND_DECLARATION || !n->spec->is_async)
      continue;
    for (int j = 0; j < n->decls.len; j++) {
      Decl *d = n->decls.items[j];
      if (d->kind != DK_FUNC)
        continue;
      map_put(&p->proto_params, d, (void *)vm_params_forward(p->src, d));
      if (!lower_func_of(p, d))
        lower_add_extern(p, d);
    }
  }
}

static bool find_pragma(const char *text) {
  for (const char *p = strstr(text, "pragma"); p; p = strstr(p + 1, "pragma")) {
    const char *q = p + 6;
    while (*q == ' ' || *q == '\t')
      q++;
    if (strncmp(q, "acc", 3))
      continue;
    const char *eol = strchr(q, '\n');
    const char *ct = strstr(q, "current_thread");
    if (ct && (!eol || ct < eol))
      return true;
  }
  return false;
}

/* Whether the frame may suspend at `await`: not at an await of a
   function of this file without an await of its own, whose first poll runs
   it to the end (emit_c.c, never_pending), defined before it, so that
   recurse.c writes its frame inline and never boxes it. */
static bool await_suspends(Node *await, void *arg) {
  Node *e = await->lhs;
  if (!e || !lower_is_async_call(e))
    return true;
  AsyncFunc *g = lower_func_of(arg, e->lhs->decl);
  return !g || g->def->body->has_await || g->def->end > await->begin;
}

Program *lower_program(Source *src, Oracle *o, Node *tu) {
  Program *p = xalloc(sizeof *p);
  p->src = src;
  p->oracle = o;
  p->tu = tu;
  p->extern_by_name.strings = true;
  p->func_by_name.strings = true;
  for (int i = 0; i < tu->args.len; i++) {
    Node *n = tu->args.items[i];
    if (n->kind == ND_FUNC_DEF && (n->spec->is_async || n->decl->is_async))
      vec_push(&p->funcs, new_func(p, n));
  }
  find_externs(p);
  for (int i = 0; i < p->funcs.len; i++) {
    live_locals_analyze(src, o, ((AsyncFunc *)p->funcs.items[i])->def,
                        await_suspends, p);
    lower_func(p, p->funcs.items[i]);
    oracle_forget_bodies(o); /* its body's index: see oracle.h */
  }
  p->main_current_thread = find_pragma(src->text);
  return p;
}
