/*
 * live_locals.c: which awaits each local of an async function lives
 * across, by use: from its first write to its last read, not its whole
 * scope.  A local that lives across no await needs no frame field at all:
 * the lowering keeps it an ordinary C local of the poll function
 * (lower_stmt.c asks live_local_in_frame), and live.c reports the finer
 * live sets in --emit=layout, with the reason in words (live_local_why).
 *
 * The rule, per local x and await A of its scope after its declaration:
 *
 *   - x's interval runs from its first reference to its last read, by
 *     source position.  Without backward jumps, execution only moves
 *     forward through the text, so a value written before A and read
 *     after it spans A's position.
 *   - A loop (or the span between a label and a goto back to it) that
 *     touches x while x was declared outside it widens the interval to the
 *     whole loop: a later iteration may read what an earlier one wrote.
 *   - Inside a full expression that awaits, the order of evaluation around
 *     the await is the lowering's, not the text's (identifiers are read
 *     from the frame after the await), so a reference there counts as
 *     spanning the whole expression; `x = EXPR` and `T x = EXPR` as a whole
 *     statement are exact: the write is after EXPR.
 *   - x lives across every await of its scope after its declaration (the
 *     old scope rule) when the text cannot say: its address is taken, it
 *     is an array used other than by indexing, it is awaited in place (a
 *     future local), it has a cleanup attribute, or the function takes a
 *     label's address (computed goto).
 *
 * x is live at A when its interval contains A's position strictly.
 *
 * The same walk answers, for each parameter, whether the body may change
 * it (live_param_read_only): an assignment, ++/--, its address taken, a
 * mention in an asm statement or the va_list argument of va_arg, va_copy,
 * va_start or va_end.  Text that is no node (the operand of a typeof, a
 * declarator's array size, a cast's type name) is read as tokens: every
 * name the parser resolved to the parameter is checked for an operator
 * that writes it, through any parentheses around it.
 */
#include "live_locals.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum Role { R_READ, R_WRITE, R_RW, R_ADDR, R_INDEXED } Role;

typedef struct Ref {
  size_t lo, hi;  /* the span it counts for */
  bool read;      /* reads x's value */
  int line;
  Node *consumer; /* a read in the operand of this await: done when the
                     await starts its child, before it suspends */
} Ref;

typedef struct LocalInfo {
  Decl *d;
  Vec refs;            /* Ref* */
  const char *pinned;  /* why the scope rule applies, or NULL */
  int pinned_line;
  bool is_array;
  bool typed;          /* the oracle has said whether it is an array */
  size_t lo;           /* its first reference */
  bool any_read;
  size_t last_read;    /* the largest end of a read (0: none) */
  Node *last_consumer; /* that read's consumer */
  size_t last_other;   /* the largest end of a read with another consumer */
  Vec widen;           /* Node*: loops that touch it, declared outside */
  Vec *awaits;         /* Node*: every await of its function, by begin */
  Vec *suspending;     /* Node*: those the frame may suspend at, by begin */
  Vec *loops;          /* Node*: its function's loops and gotos back */
  bool computed_goto;
} LocalInfo;

typedef struct Walk {
  Source *src;
  Oracle *o;
  Node *fn;
  Vec locals;          /* LocalInfo* of this function */
  Vec loops;           /* Node*: loops, and gotos back (region = target..goto) */
  Vec awaits;          /* Node*: ND_AWAIT */
  Node *consumer;      /* the await whose operand is being walked */
  bool computed_goto;
} Walk;

static Map all;        /* Decl* -> LocalInfo*, every function analysed */
static Map changed;    /* Decl* of a parameter the body may change -> itself */
static Map analysed;   /* Decl* of a parameter of an analysed function */
static bool keep_reasons = true; /* live_locals_keep_reasons */

void live_locals_keep_reasons(bool keep) { keep_reasons = keep; }

static LocalInfo *info_of(Decl *d) { return map_get(&all, d); }

static int line_of(Walk *w, size_t off) { return source_loc(w->src, off).line; }

static LocalInfo *local(Walk *w, Decl *d) {
  (void)w;
  if (!d || d->kind != DK_VAR || !d->is_local || d->is_param)
    return NULL;
  return info_of(d);
}

static Ref *add_ref(Walk *w, LocalInfo *li, size_t lo, size_t hi, bool read,
                    size_t at) {
  Ref *r = xalloc(sizeof *r);
  *r = (Ref){lo, hi, read, line_of(w, at), NULL};
  vec_push(&li->refs, r);
  return r;
}

static void pin(Walk *w, LocalInfo *li, const char *why, size_t at) {
  if (!li->pinned) {
    li->pinned = why;
    li->pinned_line = line_of(w, at);
  }
}

static bool text_has(Walk *w, size_t begin, size_t end, const char *word) {
  size_t n = strlen(word);
  for (size_t i = begin; i + n <= end; i++)
    if (!strncmp(w->src->text + i, word, n))
      return true;
  return false;
}

/* ==== the walk ==== */

/* An awaited local future (or an element of one) is polled where it
   lives, across the await. */
static void pin_future(Walk *w, Node *op) {
  while (op && (op->kind == ND_INDEX || op->kind == ND_DEREF))
    op = op->lhs;
  LocalInfo *li = op && op->kind == ND_IDENT ? local(w, op->decl) : NULL;
  if (li)
    pin(w, li, "it holds the future being awaited", op->begin);
}

static void walk(Walk *w, Node *n, Node *E, Role role);

/* A reference of x; E is the enclosing full expression that awaits. */
static void ident(Walk *w, Node *n, Node *E, Role role) {
  if (n->decl && n->decl->is_param && role != R_READ && role != R_INDEXED)
    map_put(&changed, n->decl, n->decl);
  LocalInfo *li = local(w, n->decl);
  if (!li)
    return;
  if (!li->typed && w->o) { /* every reference has the declared type */
    const char *t = oracle_expr_type(w->o, n->begin, n->end);
    li->is_array = t && strchr(t, '[');
    li->typed = t != NULL;
  }
  if (role == R_ADDR)
    pin(w, li, "its address is taken", n->begin);
  else if (li->is_array && role != R_INDEXED)
    pin(w, li, "it is an array passed on by address", n->begin);
  bool read = role != R_WRITE;
  if (E && w->consumer && (role == R_READ || role == R_INDEXED)) {
    /* Read when the await starts its child: after the awaits nested in
       its operand and before it suspends. */
    Ref *r = add_ref(w, li, E->begin, w->consumer->lhs->end, true, n->begin);
    r->consumer = w->consumer;
  } else if (E) {
    add_ref(w, li, E->begin, read ? E->end : E->begin, read, n->begin);
  } else {
    add_ref(w, li, n->begin, n->begin, read, n->begin);
  }
}

/* `x = EXPR` or `T x = EXPR` as a whole statement: x is written after
   EXPR, awaits in it included. */
static void whole_write(Walk *w, Decl *d, Node *expr, size_t at) {
  LocalInfo *li = local(w, d);
  if (li)
    add_ref(w, li, expr->end, expr->end, false, at);
}

static void full_expr(Walk *w, Node *e) {
  if (!e)
    return;
  if (e->kind == ND_ASSIGN && !strcmp(e->op, "=") &&
      e->lhs->kind == ND_IDENT && local(w, e->lhs->decl)) {
    whole_write(w, e->lhs->decl, e, e->lhs->begin);
    walk(w, e->rhs, e->has_await ? e : NULL, R_READ);
    return;
  }
  walk(w, e, e->has_await ? e : NULL, R_READ);
}

static void decl_stmt(Walk *w, Node *s) {
  for (int i = 0; i < s->decls.len; i++) {
    Decl *d = s->decls.items[i];
    if (d->kind != DK_VAR || !d->is_local || d->is_param ||
        (d->spec && (d->spec->storage == SC_STATIC ||
                     d->spec->storage == SC_EXTERN)))
      continue;
    LocalInfo *li = xalloc(sizeof *li);
    li->d = d;
    map_put(&all, d, li);
    vec_push(&w->locals, li);
    if (text_has(w, d->spec ? d->spec->begin : d->begin, d->end, "cleanup"))
      pin(w, li, "it has a cleanup attribute", d->name_off);
    if (d->init) {
      whole_write(w, d, d->init, d->name_off);
      walk(w, d->init, d->init->has_await ? d->init : NULL, R_READ);
    }
  }
}

static void walk_vec(Walk *w, Vec *v, Node *E) {
  for (int i = 0; i < v->len; i++)
    walk(w, v->items[i], E, R_READ);
}

static void statement_kids(Walk *w, Node *n) {
  switch (n->kind) {
  case ND_EXPR_STMT:
  case ND_RETURN:
    full_expr(w, n->lhs);
    return;
  case ND_DECL_STMT:
    decl_stmt(w, n);
    return;
  case ND_IF:
    full_expr(w, n->cond);
    walk(w, n->then, NULL, R_READ);
    walk(w, n->els, NULL, R_READ);
    return;
  case ND_WHILE:
  case ND_DO:
    vec_push(&w->loops, n);
    full_expr(w, n->cond);
    walk(w, n->body, NULL, R_READ);
    return;
  case ND_FOR:
    vec_push(&w->loops, n);
    if (n->init && n->init->kind == ND_DECL_STMT)
      decl_stmt(w, n->init);
    else if (n->init)
      full_expr(w, n->init->kind == ND_EXPR_STMT ? n->init->lhs : n->init);
    full_expr(w, n->cond);
    full_expr(w, n->inc);
    walk(w, n->body, NULL, R_READ);
    return;
  case ND_SWITCH:
    full_expr(w, n->cond);
    walk(w, n->body, NULL, R_READ);
    return;
  case ND_GOTO:
    if (n->target && n->target->begin < n->begin)
      vec_push(&w->loops, n);
    return;
  case ND_GOTO_INDIRECT:
    w->computed_goto = true;
    full_expr(w, n->lhs);
    return;
  case ND_ASM: /* its operands are text: a local it names is used there */
    w->computed_goto |= text_has(w, n->begin, n->end, "goto");
    for (int i = 0; i < w->fn->decl->params.len; i++) {
      Decl *p = w->fn->decl->params.items[i];
      if (p->name && text_has(w, n->begin, n->end, p->name))
        map_put(&changed, p, p); /* maybe an output operand */
    }
    for (int i = 0; i < w->locals.len; i++) {
      LocalInfo *li = w->locals.items[i];
      if (text_has(w, n->begin, n->end, li->d->name))
        add_ref(w, li, n->begin, n->end, true, n->begin);
    }
    return;
  default: /* blocks, labels, case, default, null */
    walk(w, n->lhs, NULL, R_READ);
    walk(w, n->body, NULL, R_READ);
    walk_vec(w, &n->args, NULL);
    return;
  }
}

static bool is_statement(NodeKind k) { return k >= ND_BLOCK && k <= ND_ASM; }

static void walk(Walk *w, Node *n, Node *E, Role role) {
  if (!n)
    return;
  if (is_statement(n->kind)) {
    statement_kids(w, n);
    return;
  }
  switch (n->kind) {
  case ND_IDENT:
    ident(w, n, E, role);
    return;
  case ND_SIZEOF_EXPR:
  case ND_ALIGNOF_EXPR:
  case ND_SIZEOF_TYPE:
  case ND_ALIGNOF_TYPE:
  case ND_TYPES_COMPAT:
  case ND_OFFSETOF:
    return; /* not evaluated */
  case ND_LABEL_ADDR:
    w->computed_goto = true;
    return;
  case ND_AWAIT: {
    vec_push(&w->awaits, n);
    if (combinator_kind(n->lhs)) /* each branch is awaited */
      for (int i = combinator_first_branch(n->lhs); i < n->lhs->args.len; i++)
        pin_future(w, combinator_future(n->lhs->args.items[i]));
    else
      pin_future(w, n->lhs);
    Node *saved = w->consumer;
    w->consumer = n;
    walk(w, n->lhs, E, R_READ);
    w->consumer = saved;
    return;
  }
  case ND_ASSIGN:
    walk(w, n->lhs, E, strcmp(n->op, "=") ? R_RW : R_WRITE);
    walk(w, n->rhs, E, R_READ);
    return;
  case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
    walk(w, n->lhs, E, R_RW);
    return;
  case ND_ADDR:
    walk(w, n->lhs, E, R_ADDR);
    return;
  case ND_VA_ARG: /* reads and advances its va_list */
    walk(w, n->lhs, E, R_RW);
    return;
  case ND_MEMBER: /* part of x: a write of a member keeps the rest */
    walk(w, n->lhs, E, role == R_ADDR ? R_ADDR : role == R_READ ? R_READ
                                                                : R_RW);
    return;
  case ND_INDEX:
    walk(w, n->lhs, E, role == R_ADDR ? R_ADDR : R_INDEXED);
    walk(w, n->rhs, E, R_READ);
    return;
  case ND_GENERIC:
    walk_vec(w, &n->args, E); /* the selector is not evaluated */
    return;
  case ND_STMT_EXPR: {
    Node *saved = w->consumer; /* its statements run in place */
    w->consumer = NULL;
    walk(w, n->body, E, R_READ);
    walk_vec(w, &n->args, E);
    w->consumer = saved;
    return;
  }
  default:
    break;
  }
  walk(w, n->lhs, E, R_READ);
  walk(w, n->rhs, E, R_READ);
  walk(w, n->cond, E, R_READ);
  walk(w, n->then, E, R_READ);
  walk(w, n->els, E, R_READ);
  walk(w, n->init, E, R_READ);
  walk(w, n->inc, E, R_READ);
  walk(w, n->body, E, R_READ);
  walk_vec(w, &n->args, E);
}

/* ==== intervals ==== */

/* The text a loop runs again: a for's locals, declared in its init, live
   through every iteration, so its region starts after the init. */
static void region(Node *loop, size_t *lo, size_t *hi) {
  *hi = loop->end;
  if (loop->kind == ND_GOTO)
    *lo = loop->target->begin;
  else if (loop->kind == ND_FOR && loop->init)
    *lo = loop->init->end;
  else
    *lo = loop->begin;
}

/* Its first reference, and the loops that may carry its value from one
   iteration to the next: those that touch it and that it was declared
   outside of. */
static void interval(Walk *w, LocalInfo *li) {
  li->lo = SIZE_MAX;
  for (int i = 0; i < li->refs.len; i++) {
    Ref *r = li->refs.items[i];
    if (r->lo < li->lo)
      li->lo = r->lo;
    li->any_read |= r->read;
    if (r->read && r->hi > li->last_read) {
      li->last_read = r->hi;
      li->last_consumer = r->consumer;
    }
  }
  for (int i = 0; i < li->refs.len; i++) {
    Ref *r = li->refs.items[i];
    if (r->read && r->consumer != li->last_consumer && r->hi > li->last_other)
      li->last_other = r->hi;
  }
  for (int i = 0; i < w->loops.len; i++) {
    size_t lo, hi;
    region(w->loops.items[i], &lo, &hi);
    if (li->d->name_off >= lo)
      continue; /* declared inside: a new object each time round */
    for (int j = 0; j < li->refs.len; j++) {
      Ref *r = li->refs.items[j];
      if (r->hi >= lo && r->lo <= hi) {
        vec_push(&li->widen, w->loops.items[i]);
        break;
      }
    }
  }
}

/* A read after the await that the value written before it must reach. */
static Ref *read_after(LocalInfo *li, Node *await) {
  Ref *best = NULL;
  for (int i = 0; i < li->refs.len; i++) {
    Ref *r = li->refs.items[i];
    if (r->read && r->hi > await->op_off && r->consumer != await &&
        (!best || r->line < best->line))
      best = r;
  }
  return li->lo < await->op_off ? best : NULL;
}

/* Whether read_after finds one, without the walk over every reference
   (a local read at each of thousands of awaits made that quadratic): the
   read ending last after the await counts unless the await consumes it,
   and then the last of those another await or none consumes does. */
static bool read_after_exists(const LocalInfo *li, const Node *await) {
  size_t last = li->last_consumer != await ? li->last_read : li->last_other;
  return li->lo < await->op_off && last > await->op_off;
}

static Node *loop_around(LocalInfo *li, Node *await) {
  for (int i = 0; i < li->widen.len; i++) {
    size_t lo, hi;
    region(li->widen.items[i], &lo, &hi);
    if (lo <= await->op_off && await->op_off <= hi)
      return li->widen.items[i];
  }
  return NULL;
}

static bool in_scope(LocalInfo *li, Node *await) {
  Node *sc = li->d->scope;
  return await->begin > li->d->name_off &&
         (!sc || (await->begin >= sc->begin && await->end <= sc->end));
}

/* A goto back to a label before the declaration does not end the local's
   lifetime (C11 6.2.4p6): through a pointer, code between the label and
   the declaration, awaits included, still sees it. */
static bool alive_before_decl(LocalInfo *li, Node *await) {
  Node *sc = li->d->scope;
  if (await->begin > li->d->name_off ||
      (sc && (await->begin < sc->begin || await->end > sc->end)))
    return false;
  if (li->computed_goto)
    return true;
  for (int i = 0; i < li->loops->len; i++) {
    Node *g = li->loops->items[i];
    if (g->kind == ND_GOTO && g->target->begin <= await->begin &&
        g->begin > li->d->name_off)
      return true;
  }
  return false;
}

/* ==== parameters the body may change, by their tokens ==== */

static const char *skip_space_back(const char *lo, const char *p) {
  while (p > lo && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n'))
    p--;
  return p;
}

static const char *skip_space(const char *p, const char *hi) {
  while (p < hi && (*p == ' ' || *p == '\t' || *p == '\n'))
    p++;
  return p;
}

/* Whether the operator at p writes what is before it: = but not ==, an
   compound assignment, ++ or --. */
static bool writes_before(const char *p, const char *hi) {
  static const char *const ops[] = {"<<=", ">>=", "+=", "-=", "*=", "/=",
                                    "%=", "&=", "|=", "^=", "++", "--"};
  if (p < hi && *p == '=')
    return p + 1 >= hi || p[1] != '=';
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
    size_t n = strlen(ops[i]);
    if (p + n <= hi && !strncmp(p, ops[i], n))
      return true;
  }
  return false;
}

/* A keyword after which parentheses group an expression. */
static bool is_grouping_keyword(const char *b, const char *e) {
  static const char *const kw[] = {"return", "sizeof", "else", "do", "case",
                                   "_Alignof", "__alignof__", "__extension__"};
  for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
    if ((size_t)(e - b) == strlen(kw[i]) && !strncmp(b, kw[i], (size_t)(e - b)))
      return true;
  return false;
}

/* Whether the name at [b, e) of [lo, hi) may be changed there: written by
   the operator after it, its address taken or ++/-- before it, or the
   first argument of a __builtin_va_* call; parentheses around it (not a
   call's) are looked through. */
static bool token_changes(const char *lo, const char *hi, const char *b,
                          const char *e) {
  for (;;) {
    const char *pb = skip_space_back(lo, b), *ne = skip_space(e, hi);
    if (pb > lo && pb[-1] == '(' && ne < hi && *ne == ')') {
      const char *before = skip_space_back(lo, pb - 1);
      const char *w = before;
      while (w > lo && is_ident_char(w[-1]))
        w--;
      if ((w < before && !is_grouping_keyword(w, before)) ||
          (before > lo && (before[-1] == ')' || before[-1] == ']')))
        return !strncmp(w, "__builtin_va_", 13); /* a call's parentheses */
      b = pb - 1, e = ne + 1;
      continue;
    }
    if (writes_before(ne, hi))
      return true;
    if (pb > lo && (pb[-1] == '+' || pb[-1] == '-') && pb - 1 > lo &&
        pb[-2] == pb[-1])
      return true;
    if (pb > lo && pb[-1] == '&' && (pb - 1 == lo || pb[-2] != '&'))
      return true;
    if (pb > lo && (pb[-1] == '(' || pb[-1] == ',')) {
      const char *before = skip_space_back(lo, pb - 1);
      const char *w = before;
      while (w > lo && is_ident_char(w[-1]))
        w--;
      return pb[-1] == '(' && !strncmp(w, "__builtin_va_", 13);
    }
    return false;
  }
}

/* Every identifier of the body the parser resolved to one of fn's
   parameters, checked by token_changes: this covers text that is no node
   (typeof operands, array sizes in declarators, cast types). */
static void params_by_tokens(Walk *w) {
  Vec *params = &w->fn->decl->params;
  const char *lo = w->src->text + w->fn->body->begin;
  const char *hi = w->src->text + w->fn->body->end;
  for (const char *p = lo; p < hi;) {
    if (*p == '"' || *p == '\'') { /* a literal: to its closing quote */
      char q = *p++;
      while (p < hi && *p != q)
        p += *p == '\\' ? 2 : 1;
      p++;
      continue;
    }
    if (!is_ident_char(*p)) {
      p++;
      continue;
    }
    const char *b = p;
    while (p < hi && is_ident_char(*p))
      p++;
    if (*b >= '0' && *b <= '9')
      continue; /* a number's letters */
    Decl *d = ast_name_at((size_t)(b - w->src->text));
    if (!d || !d->is_param || map_get(&changed, d))
      continue;
    for (int i = 0; i < params->len; i++)
      if (params->items[i] == d && token_changes(lo, hi, b, p))
        map_put(&changed, d, d);
  }
}

static int by_begin(const void *a, const void *b) {
  const Node *x = *(Node *const *)a, *y = *(Node *const *)b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

void live_locals_analyze(Source *src, Oracle *o, Node *fn_def,
                         LiveSuspends *suspends, void *arg) {
  Walk w = {.src = src, .o = o, .fn = fn_def};
  walk(&w, fn_def->body, NULL, R_READ);
  params_by_tokens(&w);
  for (int i = 0; i < fn_def->decl->params.len; i++)
    map_put(&analysed, fn_def->decl->params.items[i], fn_def);
  Vec *awaits = xalloc(sizeof *awaits), *loops = xalloc(sizeof *loops);
  *awaits = w.awaits;
  if (awaits->len > 1) /* no array at all for none */
    qsort(awaits->items, (size_t)awaits->len, sizeof(void *), by_begin);
  Vec *suspending = awaits;
  for (int i = 0; suspends && i < awaits->len; i++)
    if (!suspends(awaits->items[i], arg)) {
      suspending = xalloc(sizeof *suspending);
      for (int j = 0; j < awaits->len; j++)
        if (suspends(awaits->items[j], arg))
          vec_push(suspending, awaits->items[j]);
      break;
    }
  *loops = w.loops;
  for (int i = 0; i < w.locals.len; i++) {
    LocalInfo *li = w.locals.items[i];
    li->awaits = awaits;
    li->suspending = suspending;
    li->loops = loops;
    li->computed_goto = w.computed_goto;
    if (w.computed_goto)
      pin(&w, li, "the function takes a label's address (computed goto)",
          fn_def->begin);
    interval(&w, li);
    if (!keep_reasons) { /* only live_local_why reads them again */
      for (int j = 0; j < li->refs.len; j++)
        free(li->refs.items[j]);
      free(li->refs.items);
      li->refs = (Vec){0};
    }
  }
  free(w.locals.items);
}

bool live_local_at(Decl *d, Node *await) {
  LocalInfo *li = info_of(d);
  if (!li)
    return true; /* not analysed: the scope rule's answer */
  if (li->pinned && alive_before_decl(li, await))
    return true;
  if (!in_scope(li, await))
    return false;
  if (li->pinned)
    return true;
  return li->any_read &&
         (read_after_exists(li, await) || loop_around(li, await));
}

/* Only an await inside d's scope can find d live (in_scope, and
   alive_before_decl, ask that first): the awaits that begin there, by a
   binary search, rather than every await of the function for every
   local (in a function with thousands of awaits and of blocks declaring
   locals, most of the lowering's time).  Only those the frame may
   suspend at: across the others the poll runs on, with its C locals. */
bool live_local_in_frame(Decl *d) {
  LocalInfo *li = info_of(d);
  if (!li)
    return true;
  Node *sc = d->scope;
  const Vec *aw = li->suspending;
  int lo = 0, hi = aw->len;
  while (sc && lo < hi) {
    int mid = (lo + hi) / 2;
    if (((Node *)aw->items[mid])->begin < sc->begin)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (int i = lo; i < aw->len; i++) {
    Node *a = aw->items[i];
    if (sc && a->begin >= sc->end)
      break;
    if (live_local_at(d, a))
      return true;
  }
  return false;
}

bool live_suspends_after(Decl *d) {
  LocalInfo *li = info_of(d);
  if (!li)
    return true;
  const Vec *aw = li->suspending;
  for (int i = 0; i < aw->len; i++) {
    Node *a = aw->items[i];
    if (a->begin > d->name_off && (!d->scope || (a->begin >= d->scope->begin &&
                                                 a->end <= d->scope->end)))
      return true;
  }
  return false;
}

const char *live_local_why(Source *src, Decl *d, Node *await) {
  LocalInfo *li = info_of(d);
  if (!li)
    return "in scope";
  if (li->pinned)
    return xformat("%s (line %d)", li->pinned, li->pinned_line);
  Loc a = source_loc(src, await->op_off);
  Ref *used = read_after(li, await);
  if (used) {
    int set = 0;
    for (int i = 0; i < li->refs.len; i++) {
      Ref *r = li->refs.items[i];
      if (r->lo < await->op_off && (!set || r->line < set))
        set = r->line;
    }
    return xformat("set at line %d, used at line %d after the await at "
                   "%d:%d", set, used->line, a.line, a.col);
  }
  Node *loop = loop_around(li, await);
  if (loop) {
    size_t lo, hi;
    region(loop, &lo, &hi);
    return xformat("used in the %s at lines %d-%d around the await at %d:%d",
                   loop->kind == ND_GOTO ? "goto loop" : "loop",
                   source_loc(src, lo).line, source_loc(src, hi).line, a.line,
                   a.col);
  }
  return "not live";
}

bool live_param_read_only(Decl *d) {
  return map_get(&analysed, d) && !map_get(&changed, d);
}
