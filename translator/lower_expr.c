/*
 * lower_expr.c: expressions that contain `await` become sequenced steps.
 *
 * lower_expr() returns the C text that computes an expression's value once
 * the steps it emitted have run.  An await emits its await sequence (one
 * state) and stands for the temporary that receives its output.  Operands
 * evaluated before an await are spilled into frame temporaries typed from
 * the oracle (__typeof__(spelling)), since the await suspends and the
 * operand's value must survive in the frame.  `&&`, `||` and `?:` become ifs
 * around the awaiting part so short-circuit evaluation stays exact; `,` is a
 * sequence of statements.  Everything free of awaits is the user's own text
 * (lower_copy) with frame locals rewritten to (ac__F->name).
 */
#define _GNU_SOURCE /* memmem */
#include "lower.h"
#include "futures.h"

#include <stdlib.h>
#include <string.h>


/* The result type of a call, from the callee's function type "R (P...)",
   for calls the erasure could not type (a cast of a leaf future). */
static const char *call_type(Lower *L, Node *e) {
  if (e->kind != ND_CALL || e->lhs->kind != ND_IDENT)
    return NULL;
  const char *ft = oracle_expr_type(L->o, e->lhs->begin, e->lhs->end);
  const char *paren = ft ? strchr(ft, '(') : NULL;
  if (!paren || paren == ft || strstr(ft, "(*")) {
    Decl *d = e->lhs->decl;
    return d && d->kind == DK_FUNC ? lower_result_type(L->prog, d) : NULL;
  }
  size_t n = (size_t)(paren - ft);
  while (n && ft[n - 1] == ' ')
    n--;
  return xstrndup(ft, n);
}

static const char *type_of(Lower *L, Node *e) {
  const char *t = lower_oracle_type(L, e->begin, e->end, e->begin);
  if (t && strchr(t, '<')) /* <dependent type>: the erasure has an error */
    t = NULL;
  return lower_fix_spelling(t ? t : call_type(L, e));
}

/* A spelling we can declare a frame field with. */
static const char *usable(Lower *L, const char *t) {
  if (!t || strchr(t, '<') || oracle_future_info(L->o, t, NULL, NULL, NULL))
    return NULL;
  return t;
}

/* The output type of `await e`, known before lowering it. */
static const char *await_type(Lower *L, Node *e) {
  if (combinator_kind(e))
    return combinator_kind(e) == CB_ALL ? "void" : "int";
  if (lower_is_async_call(e)) {
    AsyncFunc *g = lower_func_of(L->prog, e->lhs->decl);
    return g ? g->ret_type : call_type(L, e);
  }
  if (e->kind == ND_CALL && /* through an async function pointer */
      oracle_expr_is_async_fn(L->o, e->lhs->begin, e->lhs->end))
    return oracle_expr_is_void(L->o, e->begin, e->end) ? "void"
                                                       : type_of(L, e);
  const char *t = type_of(L, e), *out = NULL;
  if (t && oracle_future_info(L->o, t, NULL, NULL, &out))
    return out;
  return NULL;
}

static const char *type_expr(Lower *L, Node *e);
static Node *chosen_arm(Lower *L, Node *e);
static Node *value_stmt(Node *e);
static Node *value_expr(Node *value);

static const char *deref(const char *type) {
  return xformat("(*(__typeof__(%s) *)0)", type);
}

/* e's text with every child replaced by its type expression. */
static const char *splice_types(Lower *L, Node *e) {
  Node *kids[256];
  int k = lower_children(e, kids, 256);
  Str s = {0};
  size_t pos = e->begin;
  for (int i = 0; i < k; i++) {
    const char *t = type_expr(L, kids[i]);
    if (!t)
      return NULL;
    lower_copy_range(L, pos, kids[i]->begin, &s, false, NULL);
    str_puts(&s, t);
    pos = kids[i]->end;
  }
  lower_copy_range(L, pos, e->end, &s, false, NULL);
  return xformat("(%s)", str_cstr(&s));
}

/*
 * An expression valid at file scope, never evaluated, with e's type: the
 * frame field of a temporary is declared __typeof__(it).  The erasure
 * cannot type expressions in which a hand-written future stands for its
 * output, so they are rebuilt from the types we know:
 *   e:     n % 3ul != 0ul ? await leaf(1) : 2ul
 *   type:  ((*(__typeof__(long) *)0) % 3ul != 0ul ? (*(__typeof__(long) *)0) : 2ul)
 */
static const char *type_expr(Lower *L, Node *e) {
  const char *t;
  if (e->kind == ND_STMT_EXPR && e->has_await) /* its last statement's */
    return value_stmt(e) ? type_expr(L, value_expr(value_stmt(e)))
                         : "((void)0)";
  if (e->has_await && chosen_arm(L, e))
    return type_expr(L, chosen_arm(L, e));
  switch (e->kind) {
  case ND_CONST: case ND_STRING: case ND_SIZEOF_TYPE: case ND_ALIGNOF_TYPE:
    return lower_src(L, e->begin, e->end);
  case ND_AWAIT:
    t = await_type(L, e->lhs);
    return !t ? NULL : !strcmp(t, "void") ? "((void)0)" : deref(t);
  case ND_LOGAND: case ND_LOGOR: case ND_NOT:
    return "0";
  case ND_COMMA:
    return type_expr(L, e->rhs);
  case ND_COMPOUND_LIT: /* its type name's type, whatever the awaits give */
    t = usable(L, type_of(L, e));
    if (!t && !strstr(lower_src(L, e->type_begin, e->type_end), "[]"))
      t = lower_src(L, e->type_begin, e->type_end);
    return t ? deref(t) : NULL;
  case ND_COND: {
    const char *a = type_expr(L, e->then ? e->then : e->cond);
    const char *b = type_expr(L, e->els);
    if (a && b && (!strcmp(a, "((void)0)") || !strcmp(b, "((void)0)")))
      return "((void)0)"; /* C: one void arm makes both void */
    return a && b ? xformat("(1 ? %s : %s)", a, b) : NULL;
  }
  case ND_IDENT: {
    Slot *s = e->decl ? lower_slot_of(L, e->decl) : NULL;
    t = s && s->type ? s->type : usable(L, type_of(L, e));
    return t ? deref(t) : NULL;
  }
  default:
    if (e->kind == ND_BINARY && strchr("<>=!", e->op[0]) &&
        strcmp(e->op, "<<") && strcmp(e->op, ">>"))
      return "0"; /* comparisons are int */
    t = e->has_await ? NULL : usable(L, type_of(L, e));
    if (t)
      return oracle_expr_is_void(L->o, e->begin, e->end) ? "((void)0)"
                                                         : deref(t);
    if (e->kind == ND_CALL || e->kind == ND_STMT_EXPR || e->kind == ND_GENERIC)
      return (t = call_type(L, e)) ? deref(t) : NULL;
    return splice_types(L, e);
  }
}

/* The type of an expression that contains awaits, for a temporary. */
static const char *static_type(Lower *L, Node *e) {
  if (e->kind == ND_AWAIT)
    return await_type(L, e->lhs);
  if (e->kind == ND_CAST)
    return lower_src(L, e->type_begin, e->type_end);
  const char *t = usable(L, type_of(L, e));
  if (t && (!e->has_await || !strcmp(t, "void")))
    return t;
  const char *x = type_expr(L, e);
  if (x && !strcmp(x, "((void)0)"))
    return "void";
  return x ? xformat("__typeof__(%s)", x) : t;
}

/* Arrays, functions and constants keep their meaning unspilled. */
static bool spillable(Lower *L, Node *e) {
  switch (e->kind) {
  case ND_CONST: case ND_STRING: case ND_IDENT: case ND_SIZEOF_EXPR:
  case ND_SIZEOF_TYPE: case ND_ALIGNOF_EXPR: case ND_ALIGNOF_TYPE:
  case ND_INIT_LIST: case ND_INIT_ITEM: case ND_LABEL_ADDR:
  case ND_OFFSETOF: case ND_TYPES_COMPAT:
    return false;
  default:
    break;
  }
  const char *t = type_of(L, e);
  if (!t || strchr(t, '[') || !strcmp(t, "void"))
    return false;
  const char *paren = strchr(t, '(');
  return !paren || !strncmp(paren, "(*", 2);
}

/*
 * An operand evaluated before an await keeps its value in the frame:
 *   before:  g(h(), await f())
 *   after:   ac__F->ac__t1 = (h());  <await f() into ac__F->ac__t2>  g(ac__F->ac__t1, ac__F->ac__t2)
 */
static char *spill(Lower *L, Node *e) {
  char *text = lower_copy_text(L, e);
  if (!spillable(L, e))
    return text;
  Slot *t = lower_new_temp(L, type_of(L, e));
  lower_store(L, t, text);
  free(text);
  return xformat("ac__F->%s", t->name);
}

/* ==== the await site ==== */

static Site *new_site(Lower *L, Node *aw) {
  return lower_new_site(L, xalloc(sizeof(Site)), aw);
}

/* The frame field of a site's child: in the union of the children of the
   current expression, or, for a branch of a combinator, in the
   combinator's struct (s->group), where every branch lives at once. */
static Slot *child_slot(Lower *L, Site *s, const char *type) {
  Group *g = s->parent ? s->group : lower_inner(lower_expr_group(L));
  const char *name = s->parent ? xformat("ac__c%d_%d", s->state,
                                         s->parent->branches.len)
                               : xformat("ac__c%d", s->state);
  Slot *c = lower_new_slot(L, g, SL_CHILD, name, type);
  c->site = s->parent ? s->parent : s;
  return c;
}

/* The arguments of a call, lowered left to right with spills. */
static const char *lower_args(Lower *L, Node *call) {
  int last = -1;
  for (int i = 0; i < call->args.len; i++)
    if (((Node *)call->args.items[i])->has_await)
      last = i;
  Str s = {0};
  for (int i = 0; i < call->args.len; i++) {
    Node *a = call->args.items[i];
    char *own = a->has_await                ? NULL
                : i < last || L->spill_all ? spill(L, a)
                                           : lower_copy_text(L, a);
    str_printf(&s, "%s%s", i ? ", " : "", own ? own : lower_expr(L, a));
    free(own);
  }
  return str_cstr(&s);
}

/*
 * An async function of this TU (or declared in a header):
 *   before:  await g(x, 2)
 *   after:   g__init(&ac__F->ac__c1, ac__F->x_3, 2);  (boxed: ac__F->ac__c1 = g__new(ac__F->x_3, 2);)
 */
static void site_async(Lower *L, Site *s, Node *call) {
  Decl *d = call->lhs->decl;
  AsyncFunc *g = lower_func_of(L->prog, d);
  s->callee = call->lhs->name;
  s->poll = xformat("%s__poll", s->callee);
  s->drop = xformat("%s__drop", s->callee);
  s->kind = g ? CH_FRAME : CH_EXTERN;
  if (!g) /* declared at block scope, maybe: */
    lower_add_extern(L->prog, d);
  const char *args = lower_args(L, call);
  s->args = args;
  s->child = child_slot(L, s, xformat("%s__frame", s->callee));
  const char *name = s->child->name;
  s->init = xformat("%s__init(&ac__F->%s%s%s);", s->callee, name,
                    *args ? ", " : "", args);
  s->callee_decl = d;
  s->child->frame = g;
  if (!g) {
    s->child->type = xformat("struct %s__frame *", s->callee);
    s->init = xformat("ac__F->%s = %s__new(%s);", name, s->callee, args);
  }
}

/*
 * A hand-written future, or a local holding a future:
 *   before:  await ac_sleep_ms(n)         await fut
 *   after:   ac__F->ac__c2 = (ac_sleep_ms(ac__F->n_1));   (fut is polled where it lives)
 */
/* The async function whose future e is, judged from the source (the
   erasure types a future of f as f's result): a call, a local made from a
   call, a choice between such, or a __typeof__(f(...)) spelling. */
static Decl *future_fn(Lower *L, Node *e) {
  Decl *f = future_of(e, L->o);
  if (f)
    return f;
  switch (e->kind) {
  case ND_CALL:
    if (lower_is_async_call(e))
      return e->lhs->decl;
    break;
  case ND_IDENT:
    if (e->decl && e->decl->init && lower_is_async_call(e->decl->init))
      return e->decl->init->lhs->decl;
    break;
  case ND_COND: {
    Decl *a = e->then ? future_fn(L, e->then) : NULL;
    Decl *b = future_fn(L, e->els);
    if (a && b && !strcmp(a->name, b->name))
      return a;
    break;
  }
  case ND_COMMA:
    return future_fn(L, e->rhs);
  default:
    break;
  }
  AsyncFunc *g = lower_typeof_future(L->prog, type_of(L, e));
  return g ? g->decl : NULL;
}

static bool is_place(Node *e) {
  return e->kind == ND_INDEX || e->kind == ND_MEMBER || e->kind == ND_ARROW ||
         e->kind == ND_DEREF;
}

/* Where the awaited future lives: a frame local (polled there), another
   lvalue (polled there through a pointer), or a new child by value. */
static void place_child(Lower *L, Site *s, Node *e, const char *type) {
  Slot *local = e->kind == ND_IDENT && e->decl ? lower_slot_of(L, e->decl)
                                               : NULL;
  if (local && local->type && strstr(local->type, "__frame *")) {
    s->kind = CH_PLACE; /* a heap future of another TU, owned by the local */
    s->child = local;
  } else if (local) {
    s->kind = CH_LOCAL;
    s->child = local;
  } else if (is_place(e)) {
    s->kind = CH_PLACE;
    const char *text = xformat("(void *)&(%s)", lower_expr(L, e));
    if (L->spill_all) { /* a later branch awaits first: take it now */
      Slot *p = lower_new_temp(L, "void *");
      lower_emit(L, "ac__F->%s = %s;\n", p->name, text);
      text = xformat("ac__F->%s", p->name);
    }
    s->child = child_slot(L, s, "void *");
    s->init = xformat("ac__F->%s = %s;", s->child->name, text);
  } else {
    s->kind = CH_LEAF;
    const char *text = e->has_await || !L->spill_all ? lower_expr(L, e)
                                                     : spill(L, e);
    s->child = child_slot(L, s, type);
    s->init = xformat("ac__F->%s = (%s);", s->child->name, text);
  }
}

/*
 * A hand-written future, or a future value held somewhere:
 *   before:  await ac_sleep_ms(n)         await fut        await fs[i]
 *   after:   ac__F->ac__c2 = (ac_sleep_ms(ac__F->n_1));   (polled in place: &ac__F->fut_3,
 *                                             ac__F->ac__c4 = (void *)&(ac__F->fs_2[i]))
 */
static bool site_value(Lower *L, Site *s, Node *e) {
  Decl *g = future_fn(L, e);
  if (g) {
    s->callee = g->name;
    s->callee_decl = g;
    s->poll = xformat("%s__poll", g->name);
    s->drop = xformat("%s__drop", g->name);
    place_child(L, s, e, xformat("%s__frame", g->name));
    if (s->kind == CH_LEAF) /* a future value copied into the frame */
      s->child->frame = lower_func_of(L->prog, g);
    return true;
  }
  const char *type = type_of(L, e);
  const char *poll, *drop, *out;
  if (!type || !oracle_future_info(L->o, type, &poll, &drop, &out)) {
    error_at(s->await->op_off, "'await' operand of type '%s' is not a future",
             type ? type : "?");
    return false;
  }
  s->callee = type;
  s->poll = poll;
  s->drop = drop;
  s->done = oracle_future_drop_ready(L->o, type);
  s->out_type = out;
  place_child(L, s, e, type);
  return true;
}

/* ==== combinators (lower_combinator.c builds their state) ==== */

/* The operands of the branches of combinator c, left to right; false
   after an error. */
static bool comb_branches(Lower *L, Site *c, Node *call, Group *g) {
  int first = combinator_first_branch(call), last = -1;
  for (int i = 0; i < call->args.len; i++)
    if (((Node *)call->args.items[i])->has_await)
      last = i;
  bool saved = L->spill_all, ok = true;
  const char *ms = NULL;
  for (int i = 0; ok && i < call->args.len; i++) {
    Node *arg = call->args.items[i];
    L->spill_all = saved || i < last;
    if (i >= first) {
      Site *b = lower_combinator_branch(L, c, arg, g);
      ok = lower_child(L, b, combinator_future(arg));
      if (ok)
        lower_combinator_add(L, c, b);
    } else if (!L->spill_all || arg->has_await) {
      ms = lower_expr(L, arg);
    } else { /* the deadline, before an await in the future's operands */
      Slot *t = lower_new_temp(L, "unsigned long long");
      lower_store(L, t, lower_expr(L, arg));
      ms = xformat("ac__F->%s", t->name);
    }
  }
  L->spill_all = saved;
  if (ok && c->comb == CB_WITHIN)
    lower_combinator_deadline(L, c, g, ms);
  return ok;
}

/* After the state: each destination receives its branch's output (only
   the winner's, for ac_first and ac_within). */
static void comb_outputs(Lower *L, Site *c, Node *call) {
  int first = combinator_first_branch(call);
  for (int i = first; i < call->args.len; i++) {
    Node *arg = call->args.items[i], *dest = combinator_dest(arg);
    Site *b = c->branches.items[i - first];
    if (!dest || !b->result)
      continue;
    int won = c->comb == CB_WITHIN ? 0 : i - first;
    if (c->comb != CB_ALL)
      lower_emit(L, "if (ac__F->%s == %d) {\n", c->result->name, won);
    const char *lv = lower_expr(L, dest);
    lower_emit(L, "%s %s (ac__F->%s);\n", lv, arg->op, b->result->name);
    if (c->comb != CB_ALL)
      lower_emit(L, "}\n");
  }
}

/* `await ac_first(...)`, `ac_all(...)`, `ac_within(...)`: one state whose
   branches run inline (lower_combinator.c says how); returns the await's
   value. */
static const char *lower_combinator(Lower *L, Node *aw) {
  Group *g;
  Site *c = lower_combinator_open(L, aw, &g);
  if (!comb_branches(L, c, aw->lhs, g))
    return "0";
  const char *value = lower_combinator_close(L, c, g);
  comb_outputs(L, c, aw->lhs);
  return value;
}

/*
 * The await itself: one state.
 *   before:  y = await g(x);
 *   after:   g__init(&ac__F->ac__c1, ac__F->x_2);
 *            ac__F->ac__state = 1;
 *          ac__s1:
 *            if (g__poll(&ac__F->ac__c1, cx, &ac__F->ac__t1) == AC_POLL_PENDING)
 *              return AC_POLL_PENDING;
 *            ac__F->y_3 = ac__F->ac__t1;
 */
static const char *lower_await(Lower *L, Node *aw) {
  if (combinator_kind(aw->lhs))
    return lower_combinator(L, aw);
  Site *s = new_site(L, aw);
  s->group = lower_expr_group(L);
  s->cleanup = lower_cleanup_live(L);
  vec_push(&L->fn->children, s);
  if (!lower_child(L, s, aw->lhs))
    return "0";
  if (s->out_type && strcmp(s->out_type, "void"))
    s->result = lower_new_temp(L, s->out_type);
  Step *st = xalloc(sizeof *st);
  st->kind = ST_AWAIT;
  st->site = s;
  st->line = s->line;
  lower_flush(L);
  vec_push(&L->fn->steps, st);
  return s->result ? xformat("ac__F->%s", s->result->name) : "((void)0)";
}

/*
 * A call through a pointer to an async function (emit_shim.c): the
 * callee's frame goes into an ac_dyn_t, inline when it fits.
 *   before:  await ops[i](x)
 *   after:   ac__dyn_target = &ac__F->ac__c1;
 *            (void)((ac__F->ops)[(ac__F->i)])((ac__F->x));  polled by ac_dyn_poll
 * The callee is evaluated before the arguments (and kept, if one awaits).
 */
static void site_dyn(Lower *L, Site *s, Node *call) {
  Node *f = call->lhs;
  bool later = false;
  for (int i = 0; i < call->args.len; i++)
    later |= ((Node *)call->args.items[i])->has_await;
  const char *fn = f->has_await ? lower_expr(L, f)
                   : later || L->spill_all ? spill(L, f)
                                           : lower_copy_text(L, f);
  const char *args = lower_args(L, call);
  s->kind = CH_LEAF;
  s->callee = f->kind == ND_IDENT ? f->name
              : f->kind == ND_MEMBER || f->kind == ND_ARROW ? f->name
                                                            : "ac_dyn_t";
  s->poll = "ac_dyn_poll";
  s->drop = "ac_dyn_drop";
  s->done = "ac_dyn_done";
  s->child = child_slot(L, s, "ac_dyn_t");
  s->init = xformat("ac__dyn_target = &ac__F->%s;\n(void)(%s)(%s);",
                    s->child->name, fn, args);
  s->out_type = oracle_expr_is_void(L->o, call->begin, call->end)
                    ? "void" : type_of(L, call);
}

/* The child of site s for the future e, and its output type. */
bool lower_child(Lower *L, Site *s, Node *e) {
  if (lower_is_async_call(e))
    site_async(L, s, e);
  else if (e->kind == ND_CALL &&
           oracle_expr_is_async_fn(L->o, e->lhs->begin, e->lhs->end))
    site_dyn(L, s, e);
  else if (!site_value(L, s, e))
    return false;
  const char *t = s->out_type;
  if (!t) {
    AsyncFunc *g = lower_func_of(L->prog, s->callee_decl);
    t = g ? g->ret_type
        : s->callee_decl ? lower_result_type(L->prog, s->callee_decl)
                         : type_of(L, e);
  }
  bool is_void = !t || !strcmp(t, "void");
  s->out_type = is_void ? "void" : t;
  return true;
}

/* ==== control operators ==== */

/*
 *   before:  a && await f()
 *   after:   ac__F->ac__t1 = 0; if (a) { <await f() into ac__F->ac__t2> ac__F->ac__t1 = ac__F->ac__t2 != 0; }
 */
static const char *lower_logic(Lower *L, Node *e) {
  bool is_and = e->kind == ND_LOGAND;
  Slot *t = lower_new_temp(L, "int");
  const char *a = lower_expr(L, e->lhs);
  /* `(a) != 0`, not `(a)`: clang warns on `if ((x == 0))`. */
  lower_emit(L, is_and ? "ac__F->%s = %d;\nif ((%s) != 0) {\n"
                       : "ac__F->%s = %d;\nif (!(%s)) {\n",
             t->name, is_and ? 0 : 1, a);
  const char *b = lower_expr(L, e->rhs);
  lower_emit(L, "ac__F->%s = (%s) != 0;\n}\n", t->name, b);
  return xformat("ac__F->%s", t->name);
}

/*
 *   before:  c ? await f() : y
 *   after:   if (c) { <await f() into ac__F->ac__t2> ac__F->ac__t1 = ac__F->ac__t2; } else { ac__F->ac__t1 = y; }
 */
static const char *lower_cond(Lower *L, Node *e) {
  const char *type = static_type(L, e);
  bool is_void = !type || !strcmp(type, "void");
  Slot *t = is_void ? NULL : lower_new_temp(L, type);
  const char *c = lower_expr(L, e->cond);
  if (!e->then) { /* GNU c ?: els */
    if (is_void) {
      lower_emit(L, "if (!(%s)) {\n", c);
    } else {
      lower_store(L, t, c);
      lower_emit(L, "if (!ac__F->%s) {\n", t->name);
    }
  } else {
    lower_emit(L, "if (%s) {\n", c);
    const char *a = lower_expr(L, e->then);
    if (t)
      lower_store(L, t, a);
    else
      lower_emit(L, "(void)(%s);\n", a);
    lower_emit(L, "} else {\n");
  }
  const char *b = lower_expr(L, e->els);
  if (t)
    lower_store(L, t, b);
  else
    lower_emit(L, "(void)(%s);\n", b);
  lower_emit(L, "}\n");
  return t ? xformat("ac__F->%s", t->name) : "((void)0)";
}

/*
 *   before:  (a++, await f())
 *   after:   (void)(a++);  <await f() into ac__F->ac__t1>  ac__F->ac__t1
 */
static const char *lower_comma(Lower *L, Node *e) {
  const char *a = lower_expr(L, e->lhs);
  if (e->lhs->kind != ND_AWAIT)
    lower_emit(L, "(void)(%s);\n", a);
  return lower_expr(L, e->rhs);
}

static bool has_side_effects(Node *n) {
  switch (n->kind) {
  case ND_CALL: case ND_ASSIGN: case ND_PREINC: case ND_PREDEC:
  case ND_POSTINC: case ND_POSTDEC: case ND_AWAIT: case ND_STMT_EXPR:
    return true;
  default:
    break;
  }
  Node *kids[64];
  int k = lower_children(n, kids, 64);
  for (int i = 0; i < k; i++)
    if (has_side_effects(kids[i]))
      return true;
  return false;
}

/*
 * An lvalue with side effects or awaits, evaluated once now and reached
 * again after an await: its address is kept in the frame, or, for a
 * member (a bit-field has no address), the object that holds it, or for
 * `->` the pointer:
 *   before:  a[i++] += ...        s[i++].bits += ...      (p++)->bits += ...
 *   after:   ac__F->ac__t1 = (void *)&(a[i++]);   ... &(s[i++]) ...   ac__F->ac__t1 = (void *)(p++);
 *            *(__typeof__(a[i++]) *)ac__F->ac__t1   (*...).bits    ((__typeof__(p++))ac__F->ac__t1)->bits
 */
static const char *lvalue_once(Lower *L, Node *e) {
  if (e->kind == ND_MEMBER && (e->lhs->has_await || has_side_effects(e->lhs)))
    return xformat("(%s).%s", lvalue_once(L, e->lhs), e->name);
  Slot *p;
  if (e->kind == ND_ARROW) {
    const char *ptr = lower_expr(L, e->lhs);
    p = lower_new_temp(L, "void *");
    lower_emit(L, "ac__F->%s = (void *)(%s);\n", p->name, ptr);
    return xformat("((__typeof__(%s))ac__F->%s)->%s", ptr, p->name, e->name);
  }
  const char *addr = lower_expr(L, e);
  p = lower_new_temp(L, "void *");
  lower_emit(L, "ac__F->%s = (void *)&(%s);\n", p->name, addr);
  return xformat("*(__typeof__(%s) *)ac__F->%s", addr, p->name);
}

/*
 * The lvalue is evaluated once, as C does; the value it holds is read after
 * the await (as gcc reads it after a call on the right):
 *   before:  x += await f();          a[i++] = await f();
 *   after:   <await>  ac__F->x_1 += ac__F->ac__t1;   ac__F->ac__t2 = &(a[i++]); <await> *ac__F->ac__t2 = ac__F->ac__t3;
 */
static const char *lower_assign(Lower *L, Node *e) {
  const char *lhs;
  if (!e->rhs->has_await) {
    lhs = lower_expr(L, e->lhs);
    char *rhs = lower_copy_text(L, e->rhs);
    const char *text = xformat("(%s %s %s)", lhs, e->op, rhs);
    free(rhs);
    return text;
  }
  if (e->lhs->has_await || has_side_effects(e->lhs)) {
    lhs = lvalue_once(L, e->lhs);
    return xformat("(%s %s %s)", lhs, e->op, lower_expr(L, e->rhs));
  }
  free(lower_copy_text(L, e->lhs)); /* copied before the await too */
  const char *rhs = lower_expr(L, e->rhs);
  char *copy = lower_copy_text(L, e->lhs);
  const char *text = xformat("(%s %s %s)", copy, e->op, rhs);
  free(copy);
  return text;
}

/*
 * Any other operator: its text with each operand replaced by the operand's
 * lowered text, operands before the last awaiting one spilled.
 *   before:  h(y) * await f()
 *   after:   ac__F->ac__t1 = (h(ac__F->y_2)); <await f() into ac__F->ac__t2>  ac__F->ac__t1 * ac__F->ac__t2
 */
static const char *lower_splice(Lower *L, Node *e) {
  Node *kids[256];
  int k = lower_children(e, kids, 256), last = -1;
  for (int i = 0; i < k; i++)
    if (kids[i]->has_await)
      last = i;
  /* Operands before the last await are spilled, or, when they cannot be
     (names, constants, arrays), copied in place with what they hold
     rewritten now, before the awaits after them (a compound literal's
     slot is born before them). */
  const char *texts[256];
  Vec *early = xalloc(sizeof *early * (size_t)(k + 1)); /* off the stack:
                                          operators nest 1024 deep */
  for (int i = 0; i < k; i++) {
    texts[i] = NULL;
    if (kids[i]->has_await)
      texts[i] = lower_expr(L, kids[i]);
    else if (i < last && e->kind != ND_ADDR && spillable(L, kids[i]))
      texts[i] = spill(L, kids[i]);
    else if (i < last && e->kind != ND_ADDR &&
             !(texts[i] = lower_rewrite(L, kids[i])))
      lower_find_rewrites(L, kids[i], &early[i]);
  }
  /* One copy of e with its children's texts in place, so that a macro
     invocation around them can stay as written (atomic_fetch_add(p,
     ac__F->ac__t1) rather than clang's expansion of it). */
  Vec rw = {0};
  for (int i = 0; i < k; i++) {
    const char *t = texts[i]         ? texts[i]
                    : i < last && e->kind != ND_ADDR ? NULL
                                     : lower_rewrite(L, kids[i]);
    if (t) {
      NodeRewrite *r = xalloc(sizeof *r);
      *r = (NodeRewrite){kids[i]->begin, kids[i]->end, t};
      vec_push(&rw, r);
    } else if (i < last && e->kind != ND_ADDR) {
      for (int j = 0; j < early[i].len; j++)
        vec_push(&rw, early[i].items[j]);
    } else {
      lower_find_rewrites(L, kids[i], &rw);
    }
  }
  Str s = {0};
  lower_copy_range(L, e->begin, e->end, &s, true, &rw);
  return s.len ? str_cstr(&s) : "";
}

/*
 * Only the selected association is evaluated, so the selection is made by
 * the C compiler and the awaiting associations sit in an if chain (not a
 * switch: a break in a statement expression of an association must still
 * leave the user's loop):
 *   before:  _Generic(i, double: await f(1), int: await f(2))
 *   after:   if (_Generic(ac__F->i_2, double: 0, int: 1) == 0) {
 *              <await f(1) into ac__F->ac__t2> ac__F->ac__t1 = ac__F->ac__t2; } else if (... == 1) ...
 */
static const char *lower_generic(Lower *L, Node *e) {
  const char *type = usable(L, type_of(L, e));
  for (int i = 0; !type && i < e->args.len; i++)
    type = static_type(L, ((Node *)e->args.items[i])->lhs);
  bool is_void = !type || !strcmp(type, "void");
  Slot *t = is_void ? NULL : lower_new_temp(L, type);
  Str sel = {0};
  str_printf(&sel, "_Generic(%s", lower_copy_text(L, e->lhs));
  for (int i = 0; i < e->args.len; i++) {
    Node *a = e->args.items[i];
    str_printf(&sel, ", %s: %d", a->type_end > a->type_begin
               ? lower_src(L, a->type_begin, a->type_end) : "default", i);
  }
  for (int i = 0; i < e->args.len; i++) {
    lower_emit(L, "%sif (%s) == %d) {\n", i ? "else " : "", str_cstr(&sel), i);
    const char *v = lower_expr(L, ((Node *)e->args.items[i])->lhs);
    if (t)
      lower_store(L, t, v);
    else
      lower_emit(L, "(void)(%s);\n", v);
    lower_emit(L, "}\n");
  }
  return t ? xformat("ac__F->%s", t->name) : "((void)0)";
}

/*
 * __builtin_choose_expr(c, a, b) is a or b, chosen by the constant c when
 * the program is compiled; the other arm is not evaluated.  So only the
 * chosen arm is lowered (its awaits run, the other's never do):
 *   before:  __builtin_choose_expr(sizeof(x) > 4, await f(1), await g(2))
 *   after:   <await f(1) into ac__F->ac__t1>  ac__F->ac__t1
 */
static bool is_builtin_call(Node *e, const char *name) {
  return e->kind == ND_CALL && e->lhs->kind == ND_IDENT &&
         !strcmp(e->lhs->name, name);
}

static Node *chosen_arm(Lower *L, Node *e) {
  long long c;
  if (!is_builtin_call(e, "__builtin_choose_expr") || e->args.len != 3 ||
      !oracle_eval_int(L->o, ((Node *)e->args.items[0])->begin,
                       ((Node *)e->args.items[0])->end, &c))
    return NULL;
  return e->args.items[c ? 1 : 2];
}

static const char *lower_choose(Lower *L, Node *e) {
  Node *arm = chosen_arm(L, e);
  if (!arm) {
    error_at(e->begin, "the first argument of '__builtin_choose_expr' is "
             "not an integer constant");
    return "0";
  }
  /* The condition is never evaluated, but what it names is used: kept as
     an unevaluated operand, a local read only there (`sizeof(x) > 4`)
     stays used, as in the erasure, when it is a C local of poll. */
  Str cond = {0};
  lower_copy(L, e->args.items[0], &cond);
  lower_emit(L, "(void)sizeof(%s);\n", str_cstr(&cond));
  return lower_expr(L, arm);
}

/* ==== statement expressions ==== */

/* The last statement of a statement expression if it gives the value: an
   expression statement, maybe labeled (`l: v + 1;` gives v + 1 in gcc and
   clang alike).  NULL when it ends in another kind of statement (it is
   then void). */
static Node *value_stmt(Node *e) {
  Vec *items = &e->body->args;
  Node *last = items->len ? items->items[items->len - 1] : NULL, *s = last;
  while (s && s->kind == ND_LABEL)
    s = s->body;
  return s && s->kind == ND_EXPR_STMT ? last : NULL;
}

/* The expression of a value statement, under its labels. */
static Node *value_expr(Node *value) {
  while (value->kind == ND_LABEL)
    value = value->body;
  return value->lhs;
}

/* The statements of the body, except the value statement if `value`. */
static void stmt_expr_body(Lower *L, Node *e, Node *value) {
  Vec *items = &e->body->args;
  L->block = e->body;
  for (int i = 0; i < items->len; i++) {
    Node *item = items->items[i];
    if (item == value)
      break;
    if (i > 0 && lower_falls_into(items->items[i - 1], item))
      lower_emit(L, "__attribute__((fallthrough));\n");
    lower_stmt(L, item);
  }
}

/* Computes the value statement's expression into a temporary of the
   enclosing expression; NULL for a void value. */
static Slot *stmt_expr_value(Lower *L, Node *value, Group *outer) {
  lower_line(L, value->begin);
  for (Node *l = value; l->kind == ND_LABEL; l = l->body)
    lower_emit(L, "%s;\n", lower_src(L, l->begin, l->body->begin));
  L->expr = NULL;
  const char *v = lower_expr(L, value_expr(value));
  const char *type = static_type(L, value_expr(value));
  if (!type || !strcmp(type, "void")) {
    if (!type)
      error_at(value->begin, "cannot tell the type of this statement "
               "expression's value");
    lower_emit(L, "(void)(%s);\n", v);
    return NULL;
  }
  L->expr = outer;
  Slot *t = lower_new_temp(L, lower_decay(type)); /* its value is an rvalue */
  lower_store(L, t, v);
  return t;
}

/*
 * A statement expression whose body awaits runs as statements in place:
 * its locals go to a scope nested in the enclosing expression's group, so
 * they never share storage with the operands that expression spilled
 * before it, and its value goes to a temporary of the enclosing expression
 * (nothing of the inner scope survives the next await outside it).
 *   before:  h() + ({ long v = await f(); v * 2; })
 *   after:   ac__F->ac__t1 = (h());
 *            { <await f() into ac__F->ac__t3> ac__F->v_7 = ac__F->ac__t3; ac__F->ac__t2 = (ac__F->v_7 * 2); }
 *            ac__F->ac__t1 + ac__F->ac__t2
 * break, continue, goto and return inside it are the user's own: the code
 * stands where the erasure's statement expression stands, inside the same
 * loops and switches.
 */
const char *lower_stmt_expr(Lower *L, Node *e, bool want_value) {
  Group *outer = lower_expr_group(L), *saved_scope = L->scope;
  Node *saved_block = L->block;
  Loc loc = source_loc(L->src, e->begin);
  L->scope = lower_new_group(lower_inner(outer), false,
                             xformat("statement expression at %d:%d",
                                     loc.line, loc.col));
  Node *value = want_value ? value_stmt(e) : NULL;
  lower_emit(L, "{\n");
  lower_cleanup_open(L, e->body);
  lower_reserve_literals(L, e->body);
  stmt_expr_body(L, e, value);
  Slot *t = value ? stmt_expr_value(L, value, outer) : NULL;
  lower_cleanup_close(L);
  lower_emit(L, "}\n");
  L->scope = saved_scope;
  L->block = saved_block;
  L->expr = outer;
  lower_line(L, e->end);
  return t ? xformat("ac__F->%s", t->name) : "((void)0)";
}

const char *lower_expr(Lower *L, Node *e) {
  if (!e->has_await)
    return lower_copy_text(L, e);
  switch (e->kind) {
  case ND_AWAIT:
    return lower_await(L, e);
  case ND_LOGAND: case ND_LOGOR:
    return lower_logic(L, e);
  case ND_COND:
    return lower_cond(L, e);
  case ND_COMMA:
    return lower_comma(L, e);
  case ND_ASSIGN:
    return lower_assign(L, e);
  case ND_STMT_EXPR:
    return lower_stmt_expr(L, e, true);
  case ND_COMPOUND_LIT: /* awaits in its initializer: they run first */
    return lower_literal(L, e, lower_splice(L, e));
  case ND_GENERIC:
    if (!e->lhs->has_await)
      return lower_generic(L, e);
    error_at(e->begin, "await in an unevaluated operand");
    return "0";
  case ND_SIZEOF_EXPR: case ND_ALIGNOF_EXPR:
    error_at(e->begin, "await in an unevaluated operand");
    return "0";
  case ND_CALL:
    if (is_builtin_call(e, "__builtin_choose_expr"))
      return lower_choose(L, e);
    return lower_splice(L, e);
  default:
    return lower_splice(L, e);
  }
}
