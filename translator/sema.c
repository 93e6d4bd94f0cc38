/*
 * sema.c: the async rules (docs/language.md) that C itself does not check.  One
 * walk over the tree carries where it is (which function, async or not;
 * inside an unevaluated operand; inside a static initializer) and whether
 * the value of the current expression may be a future.
 *
 *   - `await` must stand in an async function, in an evaluated operand,
 *     not in a static initializer, and its operand must be a future: a call
 *     of an async function, a variable initialised with such a call, or an
 *     expression whose type is a hand-written future type (oracle.h).
 *   - A call of an async function makes a future.  Its value may be
 *     awaited, passed as an argument (ac_spawn(f(x))), stored in a variable
 *     declared `__auto_type` or `__typeof__(f(0))` (an array of them too),
 *     chosen by `?:`, or returned by a function declared `__typeof__(f(0))`;
 *     any other use treats it as the function's declared return type, which
 *     it is not, and is an error.  The same places make an await operand a
 *     future: `await fs[i]`, `await (c ? f(1) : f(2))`, `await make(x)`.
 *   - A VLA must not be live across an await: none may follow its
 *     declaration in its block.  alloca memory lives until the function
 *     returns, so an async function that awaits must not call alloca.
 *   - An async function's name must not begin with `ac_` nor contain `__`:
 *     the generated names (f__frame, f__poll, ...) would clash with the
 *     runtime's or with another function's.
 *   - In an async function, no goto or switch may jump into a statement
 *     expression from outside it.  gcc rejects it, clang does not, so the
 *     erasure (checked by libclang) cannot tell; the generated code would
 *     accept it with clang's meaning or be rejected by gcc in its words.
 * Goto into the scope of a VLA is C's own error, reported by the oracle.
 *
 * Without an oracle, only the rules that need no types are checked, so the
 * driver can report a misplaced await before libclang reports what the
 * erasure makes of it (an await in a static initializer erases to a call,
 * which C rejects there in its own words).
 */
#include "sema.h"
#include "futures.h"
#include "parse.h"

#include <string.h>

typedef struct Ctx {
  Oracle *o;
  const Node *awaited;     /* the operand being awaited (or a combinator
                              branch's future): a call through an async
                              function pointer may stand only there */
  Node *func;              /* enclosing function definition, or NULL */
  bool in_async;
  const char *unevaluated; /* "sizeof", "_Alignof", "_Generic" or NULL */
  bool static_init;
} Ctx;

static void check(Ctx c, Node *n, bool future_ok);

/* `__typeof__(f(0))`, `f__frame` or a typedef of one names f's future
   type (futures.c). */
static bool is_future_spec(const DeclSpec *spec) {
  return future_spec(spec) != NULL;
}

/* A variable holding a future: declared with a future type, or
   initialised with an async call. */
static bool is_future_var(const Decl *d) {
  return d && d->kind == DK_VAR &&
         (is_future_spec(d->spec) || (d->init && async_callee(d->init)));
}

/* An lvalue that holds a future: such a variable, or an element of an
   array of them. */
static bool is_future_lvalue(const Node *e) {
  while (e->kind == ND_INDEX || e->kind == ND_DEREF)
    e = e->lhs;
  return e->kind == ND_IDENT && is_future_var(e->decl);
}

/* A call through an async function pointer (`fp(3)`, `s->op(3)`).  A
   call that names a declared function is none (async_callee tells an
   async one), so the types are asked only about other callees: most of
   the calls of a large plain file never make the oracle walk it. */
static bool async_ptr_call(Ctx c, const Node *e) {
  if (!c.o || e->kind != ND_CALL || async_callee(e))
    return false;
  if (e->lhs->kind == ND_IDENT && e->lhs->decl &&
      e->lhs->decl->kind == DK_FUNC)
    return false;
  return oracle_expr_is_async_fn(c.o, e->lhs->begin, e->lhs->end);
}

/* Whether the operand of an await is a future. */
static bool is_future(Ctx c, const Node *e) {
  if (async_callee(e) || is_future_lvalue(e) || future_of(e, c.o) ||
      async_ptr_call(c, e))
    return true;
  if (e->kind == ND_CALL && e->lhs->kind == ND_IDENT && e->lhs->decl &&
      is_future_spec(e->lhs->decl->spec))
    return true; /* a plain function returning a future */
  if (e->kind == ND_COND)
    return is_future(c, e->then ? e->then : e->cond) && is_future(c, e->els);
  if (e->kind == ND_COMMA)
    return is_future(c, e->rhs);
  const char *type = c.o ? oracle_expr_type(c.o, e->begin, e->end) : NULL;
  return type && oracle_future_info(c.o, type, NULL, NULL, NULL);
}

/* ==== acc's combinator forms (combinator.c) ==== */

/*
 *   await ac_first(v = fetch(1), ac_sleep_ms(100))
 *   await ac_all(a = fetch(1), b = count(2))
 *   await ac_within(100, v = fetch(1))
 * Each branch is a future, or `lvalue op= future` receiving its output
 * (its type is checked by the erasure: oracle.c types the future as an
 * await operand there).  The shape is checked without types, the futures
 * with them.
 */
/* False (after an error) if the form is not one acc can lower. */
static bool check_combinator_shape(Node *call) {
  CombKind k = combinator_kind(call);
  const char *name = combinator_name(k);
  int first = combinator_first_branch(call), n = call->args.len - first;
  if (!call->lhs->decl) {
    error_at(call->begin, "'%s' is declared by <ac.h>; include it", name);
    return false;
  }
  if (k == CB_WITHIN && call->args.len != 2) {
    error_at(call->begin, "'ac_within' takes a deadline in milliseconds and "
             "one future");
    return false;
  }
  if (n < 1 || n > 64) {
    error_at(call->begin, n < 1 ? "'%s' needs at least one future"
                                : "'%s' takes at most 64 futures", name);
    return false;
  }
  for (int i = first; i < call->args.len; i++) {
    Node *fut = combinator_future(call->args.items[i]);
    if (combinator_kind(fut))
      error_at(fut->begin, "'%s' cannot be a branch of '%s'; make it the "
               "body of an async function and use that function's future",
               combinator_name(combinator_kind(fut)), name);
  }
  return true;
}

static void check_branch_future(Ctx c, Node *call, int i, Node *fut) {
  if (is_future(c, fut))
    return;
  const char *type = oracle_expr_type(c.o, fut->begin, fut->end);
  error_at(fut->begin, "argument %d of '%s' is not a future%s%s%s", i + 1,
           combinator_name(combinator_kind(call)), type ? " (it has type '" : "",
           type ? type : "", type ? "')" : "");
}

static void check_combinator(Ctx c, Node *call) {
  if (!c.o && !check_combinator_shape(call))
    return;
  int first = combinator_first_branch(call);
  for (int i = 0; i < first && i < call->args.len; i++)
    check(c, call->args.items[i], false);
  for (int i = first; i < call->args.len; i++) {
    Node *b = call->args.items[i];
    Node *fut = combinator_future(b);
    if (combinator_kind(fut))
      continue; /* reported by the shape */
    if (combinator_dest(b))
      check(c, combinator_dest(b), false);
    if (c.o)
      check_branch_future(c, call, i, fut);
    Ctx bc = c;
    bc.awaited = fut;
    check(bc, fut, true);
  }
}

/* The future a value is, or that a function (or a pointer to one) it
   designates returns: what a variable, a function pointer or a return
   receives from it. */
static Decl *value_future(Ctx c, const Node *e, bool *is_fn) {
  *is_fn = false;
  Decl *f = future_of(e, c.o);
  if (f)
    return f;
  if (e->kind == ND_ADDR)
    e = e->lhs;
  Decl *d = e->kind == ND_IDENT ? e->decl : NULL;
  if (d && (d->kind == DK_FUNC ||
            (d->kind == DK_VAR &&
             ast_derivations(d->begin, d->name_off, d->end) < 0))) {
    *is_fn = true;
    return future_spec(d->spec);
  }
  return NULL;
}

/* A future of one async function where the declaration says another's:
   the erasure gives both the same type (gcc only warns of two function
   pointer types that differ there), but the frames differ. */
static void check_future_store(Ctx c, const Node *value, const char *target,
                               const DeclSpec *spec, bool is_return) {
  bool is_fn;
  Decl *want = future_spec(spec);
  Decl *got = want ? value_future(c, value, &is_fn) : NULL;
  if (!got || got->first == want->first)
    return;
  if (is_fn)
    error_at(value->begin, "'%s' returns futures of '%s', but '%s' is "
             "declared for futures of '%s'",
             value->kind == ND_IDENT ? value->name : value->lhs->name,
             got->name, target, want->name);
  else if (is_return)
    error_at(value->begin, "a future of '%s' returned from '%s', which is "
             "declared to return futures of '%s'", got->name, target,
             want->name);
  else
    error_at(value->begin, "a future of '%s' stored in '%s', which is "
             "declared for futures of '%s'", got->name, target, want->name);
}

/* `await (c ? f(1) : g(2))`: one await site, one child, so both arms must
   be futures of the same function. */
static bool check_future_arms(Ctx c, const Node *e) {
  if (e->kind != ND_COND)
    return true;
  Decl *a = future_of(e->then ? e->then : e->cond, c.o);
  Decl *b = future_of(e->els, c.o);
  if (!a || !b || a->first == b->first)
    return true;
  error_at(e->op_off, "the arms of '?:' are futures of different async "
           "functions, '%s' and '%s'; await each arm instead", a->name,
           b->name);
  return false;
}

static void check_await(Ctx c, Node *n) {
  if (c.unevaluated) {
    if (!strcmp(c.unevaluated, "_Generic"))
      error_at(n->op_off, "'await' in the selector of '_Generic', which is "
                          "not evaluated");
    else
      error_at(n->op_off, "'await' in an unevaluated operand of '%s'",
               c.unevaluated);
    return;
  }
  if (c.static_init) {
    error_at(n->op_off, "'await' in a static initializer");
    return;
  }
  if (!c.in_async) {
    error_at(n->op_off, "'await' outside an async function");
    return;
  }
  if (combinator_kind(n->lhs)) {
    check_combinator(c, n->lhs);
    return;
  }
  c.awaited = n->lhs;
  if (!c.o || is_future(c, n->lhs)) {
    if (c.o)
      check_future_arms(c, n->lhs);
    check(c, n->lhs, true);
    return;
  }
  const char *type = c.o ? oracle_expr_type(c.o, n->lhs->begin, n->lhs->end)
                         : NULL;
  if (!type && oracle_has_errors(c.o)) /* the erasure's error says why */
    ;
  else if (type)
    error_at(n->lhs->begin, "'await' operand of type '%s' is not a future",
             type);
  else
    error_at(n->lhs->begin, "'await' operand is not a future");
  check(c, n->lhs, true);
}

/* Whether a parameter is declared with a future type: `__typeof__(g(0))`
   or the documented name `g__frame`. */
static bool is_future_param(const Decl *p) {
  if (is_future_spec(p->spec))
    return true;
  const char *text = ast_source_text();
  for (size_t i = p->spec->begin; i + 7 <= p->spec->end; i++)
    if (!strncmp(text + i, "__frame", 7))
      return true;
  return false;
}

/* A future passed to a plain function's parameter of another type: the
   erasure passes the awaited value's type and type-checks, but the frame
   is no such value, and the C compiler would reject acc's output. */
static void check_future_argument(Node *call, int i) {
  Node *arg = call->args.items[i];
  Decl *fn = call->lhs->kind == ND_IDENT ? call->lhs->decl : NULL;
  if (!fn || fn->kind != DK_FUNC || fn->is_async || i >= fn->params.len)
    return;
  Decl *future_of = async_callee(arg);
  if (!future_of && !is_future_lvalue(arg))
    return;
  Decl *param = fn->params.items[i];
  if (is_future_param(param))
    return;
  error_at(arg->begin, "a future passed to parameter %d of '%s', which is "
           "not declared with a future type", i + 1, fn->name);
  if (future_of)
    note_at(param->spec->begin, "declare it '__typeof__(%s(...)) %s'",
            future_of->name, param->name ? param->name : "");
}

/* ==== ac_spawn (ac.h) ==== */

/* The vtable a hand-written future type needs to be spawned: `T_vtable`
   for T_t, declared at file scope before `at`. */
static bool has_vtable(const char *poll, size_t at) {
  size_t n = strlen(poll) - strlen("_poll");
  Decl *d = scope_lookup_file(xformat("%.*s_vtable", (int)n, poll));
  return d && d->kind == DK_VAR && d->name_off < at;
}

/*
 * `ac_spawn(fut)` finds the vtable from fut's type (ac.h's AC_VTABLE_OF),
 * so its argument must be a future acc can name: a call of an async
 * function or a variable holding one, or a hand-written future whose
 * T_vtable is declared (emit_registry.c lists it).  Anything else would
 * fail inside ac.h's _Generic, in the C compiler's words.
 */
static void check_spawn(Ctx c, Node *call) {
  if (call->args.len != 1) {
    if (!c.o)
      error_at(call->begin, "'ac_spawn' takes one future");
    return;
  }
  Node *e = call->args.items[0];
  if (e->kind == ND_IDENT && e->decl && e->decl->kind == DK_FUNC &&
      e->decl->is_async) {
    if (!c.o)
      error_at(e->begin, "'%s' is an async function, not a future: spawn a "
               "call of it, 'ac_spawn(%s(...))'", e->name, e->name);
    return;
  }
  if (!c.o || async_callee(e) || is_future_lvalue(e))
    return;
  const char *type = oracle_expr_type(c.o, e->begin, e->end), *poll;
  if (!is_future(c, e))
    error_at(e->begin, "'ac_spawn' needs a future, not an expression of "
             "type '%s'", type ? type : "?");
  else if (type && oracle_future_info(c.o, type, &poll, NULL, NULL) &&
           !has_vtable(poll, call->begin))
    error_at(e->begin, "cannot spawn a future of type '%s': no '%.*s_vtable' "
             "is declared before this point", type,
             (int)(strlen(poll) - strlen("_poll")), poll);
}

/* A cast between async and plain functions: a call through the result
   would run the other kind's code. */
/* Whether a cast's type-name may be a function pointer type: it has a
   parenthesis (a function declarator, an attribute, typeof) or a word
   that is no basic type keyword and no struct, union or enum tag (a
   typedef name).  `(int)`, `(char *)`, `(struct node *)` are not. */
static bool cast_may_name_fn(const Node *n) {
  static const char *const basic[] = {
      "void", "char", "short", "int", "long", "float", "double", "signed",
      "unsigned", "_Bool", "_Complex", "const", "volatile", "restrict",
      "__restrict", "__restrict__", "__const", "__volatile__", "__signed__",
      "__int128", "_Float128", "__extension__", NULL};
  const char *t = ast_source_text();
  bool tag = false; /* the word after struct/union/enum */
  for (size_t i = n->type_begin; i < n->type_end;) {
    char ch = t[i];
    if (ch == '(')
      return true;
    if (!is_ident_char(ch) || (ch >= '0' && ch <= '9')) {
      i++;
      continue;
    }
    size_t b = i;
    while (i < n->type_end && is_ident_char(t[i]))
      i++;
    size_t len = i - b;
    if (tag) {
      tag = false;
      continue;
    }
    if ((len == 6 && (!strncmp(t + b, "struct", 6))) ||
        (len == 5 && !strncmp(t + b, "union", 5)) ||
        (len == 4 && !strncmp(t + b, "enum", 4))) {
      tag = true;
      continue;
    }
    bool known = false;
    for (int k = 0; basic[k] && !known; k++)
      known = strlen(basic[k]) == len && !strncmp(t + b, basic[k], len);
    if (!known)
      return true;
  }
  return false;
}

static void check_async_cast(Ctx c, Node *n) {
  if (!c.o || (n->type_end > n->type_begin && !cast_may_name_fn(n)))
    return;
  int from = oracle_expr_fn_kind(c.o, n->lhs->begin, n->lhs->end);
  int to = oracle_expr_fn_kind(c.o, n->begin, n->end);
  if (from && to && from != to)
    error_at(n->begin, "a cast between a%s function and a%s function "
             "pointer; a call through it would run the other kind's code",
             from == 2 ? "n async" : " plain", to == 2 ? "n async" : " plain");
}

/* GNU builtins whose arguments are never evaluated: an await there would
   run in acc's output and not in the erasure. */
static const char *unevaluated_builtin(const char *name) {
  static const char *names[] = {"__builtin_constant_p", "__builtin_object_size",
                                "__builtin_dynamic_object_size",
                                "__builtin_classify_type", NULL};
  for (int i = 0; names[i]; i++)
    if (!strcmp(name, names[i]))
      return names[i];
  return NULL;
}

static Node *child_at(Node *n, size_t at);

/* The first await of n that starts after offset `at`. */
static Node *await_after(Node *n, size_t at) {
  if (!n || !n->has_await || n->end <= at)
    return NULL;
  if (n->kind == ND_AWAIT && n->begin > at)
    return n;
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  Node *a = NULL;
  for (size_t i = 0; !a && i < sizeof kids / sizeof *kids; i++)
    a = await_after(kids[i], at);
  for (int i = 0; !a && n->kind != ND_SWITCH && i < n->args.len; i++)
    a = await_after(n->args.items[i], at);
  for (int i = 0; !a && i < n->decls.len; i++)
    a = await_after(((Decl *)n->decls.items[i])->init, at);
  return a;
}

/* An await that can run after offset `at` in the function: later in the
   text, or anywhere in a loop around `at`. */
static Node *await_can_follow(Node *fn, size_t at) {
  Node *later = await_after(fn->body, at);
  if (later)
    return later;
  for (Node *n = fn->body; n; n = child_at(n, at))
    if ((n->kind == ND_WHILE || n->kind == ND_DO || n->kind == ND_FOR) &&
        n->has_await)
      return ast_find_await(n);
  return NULL;
}

static bool is_setjmp(const char *name) {
  static const char *names[] = {"setjmp", "_setjmp", "__builtin_setjmp",
                                "sigsetjmp", "__sigsetjmp", NULL};
  for (int i = 0; names[i]; i++)
    if (!strcmp(name, names[i]))
      return true;
  return false;
}

/* setjmp saves the C stack of the poll call that runs it; once the task
   suspends that call has returned, and a longjmp back would resume a
   frame that no longer exists. */
static void check_setjmp(Ctx c, Node *call, const char *name) {
  if (!c.in_async || !c.func || !is_setjmp(name))
    return;
  Node *a = await_can_follow(c.func, call->begin);
  if (!a)
    return;
  /* named as written, not as <setjmp.h> expands it (_setjmp) */
  error_at(call->begin, "'%s' in async function '%s', which can suspend "
           "after it: a 'longjmp' back would return into a poll call that "
           "has ended", strstr(name, "sigsetjmp") ? "sigsetjmp" : "setjmp",
           c.func->decl->name);
  note_at(a->op_off, "it can suspend here");
}

static void check_call(Ctx c, Node *n, bool future_ok) {
  if (n->lhs->kind == ND_IDENT && !strcmp(n->lhs->name, "ac_spawn"))
    check_spawn(c, n);
  if (combinator_kind(n)) { /* not under an await: check_await has them */
    if (!c.o)
      error_at(n->begin, "'%s' must be awaited where it is written: "
               "'await %s(...)'", combinator_name(combinator_kind(n)),
               combinator_name(combinator_kind(n)));
    return;
  }
  Decl *callee = async_callee(n);
  if (async_ptr_call(c, n) && n != c.awaited)
    error_at(n->begin, c.in_async
             ? "a call through an async function pointer must be awaited "
               "where it is made (its future has no type that could be "
               "stored, passed or spawned)"
             : "a call through an async function pointer from non-async "
               "code, as if it were synchronous");
  if (callee && !future_ok) {
    if (c.in_async)
      error_at(n->begin, "result of async function '%s' used without "
                         "'await'", callee->name);
    else
      error_at(n->begin, "async function '%s' called from non-async code "
                         "as if it were synchronous", callee->name);
  }
  const char *name = n->lhs->kind == ND_IDENT ? n->lhs->name : "";
  if (!c.o)
    check_setjmp(c, n, name);
  Decl *made = callee || future_ok ? NULL : future_of(n, c.o);
  if (made) /* a plain function (or pointer) that returns a future */
    error_at(n->begin, "a future of '%s' returned by '%s' used as a value "
             "without 'await'", made->name, *name ? name : "this call");
  if (c.in_async && c.func && c.func->has_await &&
      (!strcmp(name, "alloca") || !strcmp(name, "__builtin_alloca")))
  {
    error_at(n->begin, "'alloca' memory is live across an 'await' in async "
                       "function '%s'", c.func->name);
    note_at(ast_find_await(c.func->body)->op_off, "an 'await' is here");
  }
  check(c, n->lhs, false);
  const char *unevaluated = unevaluated_builtin(name);
  for (int i = 0; i < n->args.len; i++) {
    Ctx ac = c;
    if (unevaluated)
      ac.unevaluated = unevaluated;
    check(ac, n->args.items[i], true);
    check_future_argument(n, i);
  }
}

/* `__auto_type x = f(1);` keeps a future for a later await. */
static bool spec_is_auto_type(const DeclSpec *spec) {
  const char *text = ast_source_text();
  for (size_t i = spec->begin; i + 11 <= spec->end; i++)
    if (!strncmp(text + i, "__auto_type", 11))
      return true;
  return false;
}

/* A declarator with a `(*`: maybe a pointer to a function, which the
   oracle judges (an async one is `async int (*fp)(int)`). */
static bool pointer_declarator(const Decl *d) {
  const char *t = ast_source_text();
  for (size_t i = d->begin; i < d->end; i++)
    if (t[i] == '(') {
      size_t j = i + 1;
      while (j < d->end && strchr(" \t\n", t[j]))
        j++;
      if (j < d->end && t[j] == '*')
        return true;
    }
  return false;
}

/* `async` is a function specifier: on anything else but pointers to
   functions it means nothing, and the C compiler that reads the output
   would choke on it. */
static void check_async_spec(const Decl *d) {
  if (d->kind != DK_FUNC && d->spec && d->spec->is_async &&
      !pointer_declarator(d))
    error_at(d->name ? d->name_off : d->spec->begin,
             "'async' applies only to functions, not to %s '%s'",
             d->kind == DK_TYPEDEF ? "typedef" : d->is_param ? "parameter"
                                                               : "variable",
             d->name ? d->name : "(unnamed)");
  for (int i = 0; d->kind == DK_FUNC && i < d->params.len; i++)
    check_async_spec(d->params.items[i]);
}

static void check_decls(Ctx c, Node *n) {
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    if (!c.o)
      check_async_spec(d);
    if (!d->init)
      continue;
    Ctx ic = c;
    ic.static_init = !d->is_local || d->spec->storage == SC_STATIC ||
                     d->spec->is_thread_local;
    check(ic, d->init,
          spec_is_auto_type(d->spec) || is_future_spec(d->spec));
    if (c.o && d->name)
      check_future_store(c, d->init, d->name, d->spec, false);
  }
}

static bool is_vla(Ctx c, const Decl *d) {
  if (!d->is_vla || d->kind != DK_VAR)
    return false;
  return !c.o || (oracle_decl_is_vm(c.o, d->name_off) &&
                  !oracle_decl_is_vm_pointer(c.o, d->name_off));
}

/* A VLA declared at item i of a block is live across any later await. */
static void check_vlas(Ctx c, Node *block) {
  if (!c.in_async || !c.o)
    return;
  for (int i = 0; i < block->args.len; i++) {
    Node *item = block->args.items[i];
    if (item->kind != ND_DECL_STMT)
      continue;
    for (int k = 0; k < item->decls.len; k++) {
      Decl *d = item->decls.items[k];
      if (!is_vla(c, d))
        continue;
      for (int j = i + 1; j < block->args.len; j++) {
        Node *later = block->args.items[j];
        if (later->has_await) {
          error_at(d->name_off, "variable length array '%s' is live "
                                "across an 'await'", d->name);
          note_at(ast_find_await(later)->op_off, "the 'await' is here");
          break;
        }
      }
    }
  }
}

/* The child of n whose range holds offset `at`, or NULL. */
static Node *child_at(Node *n, size_t at) {
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    if (kids[i] && kids[i]->begin <= at && at < kids[i]->end)
      return kids[i];
  for (int i = 0; i < n->args.len; i++) {
    Node *a = n->args.items[i];
    if (a->begin <= at && at < a->end)
      return a;
  }
  for (int i = 0; i < n->decls.len; i++) {
    Node *init = ((Decl *)n->decls.items[i])->init;
    if (init && init->begin <= at && at < init->end)
      return init;
  }
  return NULL;
}

/* The innermost statement expression of the function holding `at`. */
static Node *stmt_expr_at(Node *fn, size_t at) {
  Node *found = NULL;
  for (Node *n = fn->body; n; n = child_at(n, at))
    if (n->kind == ND_STMT_EXPR)
      found = n;
  return found;
}

/* A goto to `label`, or a switch to its case label, from offset `from`. */
static void check_jump_in(Ctx c, size_t from, Node *label) {
  if (!c.in_async || c.o || !c.func)
    return;
  Node *se = stmt_expr_at(c.func, label->begin);
  if (!se || (se->begin <= from && from < se->end))
    return;
  if (label->kind == ND_LABEL) {
    error_at(from, "'goto' into a statement expression");
    note_at(label->begin, "label '%s' is here", label->name);
  } else {
    error_at(label->begin, "'%s' label inside a statement expression of a "
             "switch outside it", label->kind == ND_CASE ? "case" : "default");
  }
}

/* A variable that is itself a future, not a pointer to or an array of
   them: `__auto_type f = g(1);` or `__typeof__(g(0)) f;`. */
static bool is_plain_future_var(const Decl *d) {
  if (!is_future_var(d) || d->name_off != d->begin)
    return false;
  const char *text = ast_source_text();
  size_t i = d->name_off + strlen(d->name);
  while (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')
    i++;
  return text[i] != '[';
}

/* An operand that needs a value (arithmetic, comparison, a condition): a
   future there is the awaited value in the erasure but a frame struct in
   acc's output, which the C compiler rejects. */
static void check_value_operand(const Node *e) {
  if (!e || e->kind != ND_IDENT || !is_plain_future_var(e->decl))
    return;
  error_at(e->begin, "future '%s' used as a value without 'await'",
           e->name);
}

static void check_value_operands(const Node *n) {
  switch (n->kind) {
  case ND_BINARY: case ND_LOGAND: case ND_LOGOR:
    check_value_operand(n->lhs);
    check_value_operand(n->rhs);
    break;
  case ND_ASSIGN:
    if (strcmp(n->op, "=") != 0) {
      check_value_operand(n->lhs);
      check_value_operand(n->rhs);
    }
    break;
  case ND_NEG: case ND_PLUS: case ND_NOT: case ND_BITNOT: case ND_REAL:
  case ND_IMAG:
  case ND_PREINC: case ND_PREDEC: case ND_POSTINC: case ND_POSTDEC:
    check_value_operand(n->lhs);
    break;
  case ND_IF: case ND_WHILE: case ND_DO: case ND_FOR: case ND_COND:
    check_value_operand(n->cond);
    break;
  default:
    break;
  }
}

static void check_children(Ctx c, Node *n) {
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    check(c, kids[i], false);
  if (n->kind != ND_SWITCH)
    for (int i = 0; i < n->args.len; i++)
      check(c, n->args.items[i], false);
}

static void check(Ctx c, Node *n, bool future_ok) {
  if (!n)
    return;
  check_value_operands(n);
  switch (n->kind) {
  case ND_AWAIT:
    check_await(c, n);
    return;
  case ND_CALL:
    check_call(c, n, future_ok);
    return;
  case ND_CAST:
    check_async_cast(c, n);
    break;
  case ND_SIZEOF_EXPR:
  case ND_ALIGNOF_EXPR:
    /* An await there names the awaited value's type and runs nothing, as
       in typeof: assert's expansion repeats its condition in a sizeof. */
    check(c, n->lhs, true);
    return;
  case ND_GENERIC: {
    Ctx sel = c;
    sel.unevaluated = "_Generic";
    check(sel, n->lhs, true);
    for (int i = 0; i < n->args.len; i++)
      check(c, n->args.items[i], false);
    return;
  }
  case ND_DECL_STMT:
  case ND_DECLARATION:
    check_decls(c, n);
    return;
  case ND_BLOCK:
    check_vlas(c, n);
    break;
  case ND_ASM: /* its operands are evaluated inside the asm */
    for (int i = 0; i < n->args.len; i++) {
      Node *a = ast_find_await(n->args.items[i]);
      if (a)
        error_at(a->op_off, "'await' in an operand of an 'asm' statement; "
                 "await into a local before the 'asm'");
    }
    return;
  case ND_GOTO:
    if (n->target)
      check_jump_in(c, n->begin, n->target);
    break;
  case ND_CASE:
  case ND_DEFAULT:
    if (n->target)
      check_jump_in(c, n->target->begin, n);
    break;
  case ND_COND: /* a future chosen by ?: stays a future */
    check(c, n->cond, n->then ? false : future_ok);
    check(c, n->then, future_ok);
    check(c, n->els, future_ok);
    return;
  case ND_COMMA:
    check(c, n->lhs, false);
    check(c, n->rhs, future_ok);
    return;
  case ND_INIT_LIST: /* the elements of an array of futures */
  case ND_INIT_ITEM:
    for (int i = 0; i < n->args.len; i++)
      check(c, n->args.items[i], future_ok);
    check(c, n->lhs, future_ok);
    return;
  case ND_ASSIGN: /* storing into a variable that holds a future */
    check(c, n->lhs, false);
    check(c, n->rhs, !strcmp(n->op, "=") &&
                         (is_future_lvalue(n->lhs) || future_of(n->lhs, c.o)));
    if (c.o && !strcmp(n->op, "=") && n->lhs->kind == ND_IDENT && n->lhs->decl)
      check_future_store(c, n->rhs, n->lhs->name, n->lhs->decl->spec, false);
    return;
  case ND_RETURN: /* from a plain function returning a future */
    check(c, n->lhs, c.func && is_future_spec(c.func->spec));
    if (c.o && n->lhs && c.func && !c.in_async)
      check_future_store(c, n->lhs, c.func->decl->name, c.func->spec, true);
    return;
  default:
    break;
  }
  check_children(c, n);
}

static void check_func(Ctx c, Node *fn) {
  c.func = fn;
  c.in_async = fn->decl->is_async;
  if (!c.o)
    check_async_spec(fn->decl);
  const char *name = fn->decl->name;
  if (c.in_async && (!strncmp(name, "ac_", 3) || strstr(name, "__")))
    error_at(fn->decl->name_off,
             "async function name '%s' is reserved: names beginning with "
             "'ac_' or containing '__' clash with generated names", name);
  if (c.in_async && c.o)
    sema_check_awaited_once(fn, c.o);
  if (c.in_async && c.o && !strcmp(name, "main")) {
    /* The generated main returns the async main's value as the exit
       status, through an int. */
    const char *r = oracle_result_canonical(c.o, fn->decl->name_off);
    if (r && strcmp(r, "int") && strcmp(r, "void"))
      error_at(fn->decl->name_off, "async 'main' must return 'int' or "
               "'void', not '%s'", r);
  }
  check(c, fn->body, false);
}

/* The async function definition holding offset `at`, or NULL. */
static Node *async_def_at(Node *tu, size_t at) {
  for (int i = 0; i < tu->args.len; i++) {
    Node *n = tu->args.items[i];
    if (n->kind == ND_FUNC_DEF && n->begin <= at && at < n->end)
      return n->decl->is_async ? n : NULL;
  }
  return NULL;
}

/* An await outside the tree: in an array size, an error; in a typeof
   operand it names the awaited value's type (`__typeof__(a) _a = (a);`
   in a macro given `await f()`) and runs nothing, so it only has to be
   in an async function. */
static void check_hidden_awaits(Node *tu) {
  const Vec *hidden = ast_hidden_awaits();
  for (int i = 0; i < hidden->len; i++) {
    Node *a = hidden->items[i];
    if (strcmp(a->name, "typeof"))
      error_at(a->op_off, "'await' in an array size");
    else if (!async_def_at(tu, a->begin))
      error_at(a->op_off, "'await' outside an async function");
  }
}

int sema_check(Node *tu, Oracle *o) {
  int before = diag_error_count();
  Ctx c = {.o = o};
  for (int i = 0; i < tu->args.len; i++) {
    Node *n = tu->args.items[i];
    if (n->kind == ND_FUNC_DEF)
      check_func(c, n);
    else
      check(c, n, false);
  }
  if (!o)
    check_hidden_awaits(tu);
  return diag_error_count() - before;
}
