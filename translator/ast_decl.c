/*
 * ast_decl.c: the declaration half of the builders (ast.c has expressions
 * and statements): declaration specifiers, declarators, Decls and their
 * scopes, function definitions, and the walk that completes a function.
 *
 * A declarator is read inside out: `int *(*f)(int)` is built from the name
 * `f` outwards, and the first derivation applied to the name says what the
 * name is (here a pointer, so an object).  The name is declared the moment
 * its declarator is reduced, before any initializer, as C11 6.2.1p7 says.
 */
#include "futures.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

static int next_id = 1;

/* Block-scope function declarations that named no earlier declaration: a
   later file-scope declaration of the same name is the same function
   (6.2.2p4), `async long later(long);` in a body and its definition below
   it. */
static Vec block_funcs;
static Vec member_futures; /* MemberFuture* */
static Vec frame_names;    /* Decl*: async functions whose f__frame is used */
static Vec async_defs;     /* Node*: async function definitions */

const Vec *ast_async_defs(void) { return &async_defs; }

void ast_decl_begin(void) {
  block_funcs = member_futures = frame_names = async_defs = (Vec){0};
}

void ast_members(DeclSpec *spec, Vec *dtors) {
  Decl *fn = future_spec(spec);
  for (int i = 0; fn && dtors && i < dtors->len; i++) {
    Declarator *d = dtors->items[i];
    if (!d || !d->name)
      continue;
    MemberFuture *m = xalloc(sizeof *m);
    m->name_off = d->name_off;
    m->name = d->name;
    m->fn = fn;
    m->level = ast_derivations(d->span.begin, d->name_off, d->span.end);
    vec_push(&member_futures, m);
  }
}

MemberFuture *ast_member_future_at(size_t off) {
  for (int i = 0; i < member_futures.len; i++)
    if (((MemberFuture *)member_futures.items[i])->name_off == off)
      return member_futures.items[i];
  return NULL;
}

MemberFuture *ast_member_future_named(const char *name) {
  for (int i = 0; i < member_futures.len; i++) {
    MemberFuture *m = member_futures.items[i];
    if (!strcmp(m->name, name))
      return m;
  }
  return NULL;
}

const Vec *ast_frame_names(void) { return &frame_names; }

/* The name f__frame of the future type of async function f, declared
   with f (docs/language.md); the oracle declares it in the erasure. */
static void declare_frame_name(Decl *f) {
  Decl *t = xalloc(sizeof *t);
  t->kind = DK_TYPEDEF;
  t->name = xformat("%s__frame", f->name);
  t->name_off = f->name_off;
  t->begin = t->end = f->name_off;
  t->is_local = f->is_local;
  t->frame_of = f;
  t->first = t;
  t->id = next_id++;
  if (!scope_lookup(t->name))
    scope_declare(t);
}

/* ---- declaration specifiers ---- */

/* At most one storage class (6.7.1p2); clang only warns of a repeated
   one, gcc rejects it, so acc reports it as gcc words it. */
static void set_storage(DeclSpec *spec, Storage sc, Span at) {
  static const char *names[] = {"", "typedef", "extern", "static", "auto",
                                "register"};
  if (spec->storage == sc)
    error_at(at.begin, "duplicate '%s'", names[sc]);
  else if (spec->storage != SC_NONE)
    error_at(at.begin, "multiple storage classes in declaration specifiers");
  spec->storage = sc;
}

DeclSpec *ast_spec(DeclSpec *spec, SpecWhat what, Span at) {
  if (!spec) {
    spec = xalloc(sizeof *spec);
    spec->begin = at.begin;
  }
  spec->end = at.end;
  switch (what) {
  case SP_TYPE: break;
  case SP_CONST: spec->is_const = true; break;
  case SP_TYPEDEF: set_storage(spec, SC_TYPEDEF, at); break;
  case SP_EXTERN: set_storage(spec, SC_EXTERN, at); break;
  case SP_STATIC: set_storage(spec, SC_STATIC, at); break;
  case SP_AUTO: set_storage(spec, SC_AUTO, at); break;
  case SP_REGISTER: set_storage(spec, SC_REGISTER, at); break;
  case SP_THREAD: spec->is_thread_local = true; break;
  case SP_INLINE: spec->is_inline = true; break;
  case SP_ASYNC:
    if (!spec->is_async)
      ast_add_async_spec(spec);
    spec->is_async = true;
    spec->async_off = at.begin;
    break;
  }
  return spec;
}

DeclSpec *ast_spec_typedef_name(DeclSpec *spec, Span at, const char *name) {
  Decl *d = scope_lookup(name);
  if (d && d->frame_of) {
    bool seen = false;
    for (int i = 0; i < frame_names.len && !seen; i++)
      seen = frame_names.items[i] == d->frame_of;
    if (!seen)
      vec_push(&frame_names, d->frame_of);
  }
  ast_name_use(at.begin, d);
  spec = ast_spec(spec, SP_TYPE, at);
  spec->typedef_name = d;
  return spec;
}

DeclSpec *ast_spec_tag(DeclSpec *spec, Span at, Node *tag) {
  spec = ast_spec(spec, SP_TYPE, at);
  if (tag && tag->kind == ND_NULL)
    vec_push(&spec->tags, tag);
  else if (tag)
    spec->typeof_expr = tag;
  return spec;
}

/* Only a tag definition (with a body) is recorded, as an ND_NULL node. */
Node *ast_tag(Span at, bool has_body) {
  return has_body ? ast_new(ND_NULL, at.begin, at.end) : NULL;
}

DeclSpec *ast_spec_push(Parser *p, DeclSpec *spec) {
  vec_push(&p->specs, spec);
  return spec;
}

static DeclSpec *spec_pop(Parser *p) {
  return p->specs.len ? p->specs.items[--p->specs.len] : NULL;
}

/* ---- declarators ---- */

Declarator *ast_dtor_name(Span at, const char *name) {
  Declarator *d = xalloc(sizeof *d);
  d->name = name;
  d->name_off = at.begin;
  d->span = at;
  return d;
}

Declarator *ast_dtor_abstract(Span at) { return ast_dtor_name(at, NULL); }

Declarator *ast_dtor_pointer(Span at, Declarator *d) {
  if (!d)
    d = ast_dtor_abstract(at);
  if (!d->first)
    d->first = 'p';
  d->span = at;
  return d;
}

/* `( declarator )`: also leaves the scope that the `(` opened. */
Declarator *ast_dtor_paren(Span at, Declarator *d) {
  scope_pop();
  d->span = at;
  return d;
}

/* Whether an array size is an integer constant expression, as far as the
   parser can tell without types (the oracle has the last word). */
static bool is_constant(const Node *n) {
  if (!n)
    return true;
  switch (n->kind) {
  case ND_CONST: case ND_SIZEOF_TYPE: case ND_ALIGNOF_TYPE:
  case ND_SIZEOF_EXPR: case ND_ALIGNOF_EXPR: case ND_OFFSETOF:
  case ND_TYPES_COMPAT: case ND_GENERIC:
    return true;
  case ND_IDENT:
    return n->decl && n->decl->kind == DK_ENUMCONST;
  case ND_CAST: case ND_PLUS: case ND_NEG: case ND_BITNOT: case ND_NOT:
  case ND_REAL: case ND_IMAG:
  case ND_BINARY: case ND_LOGAND: case ND_LOGOR:
    return is_constant(n->lhs) && is_constant(n->rhs);
  case ND_COND:
    return is_constant(n->cond) && is_constant(n->then) && is_constant(n->els);
  default:
    return false;
  }
}

Declarator *ast_dtor_array(Span at, Declarator *d, Node *size) {
  ast_unevaluated("array size", size);
  if (!d)
    d = ast_dtor_abstract(at);
  if (!d->first)
    d->first = 'a';
  if (!is_constant(size))
    d->is_vla = true;
  d->span = at;
  return d;
}

/* A `(void)` parameter list declares no parameter. */
static bool is_void_list(const ParamList *pl) {
  if (!pl || pl->params.len != 1 || pl->is_variadic)
    return false;
  Decl *d = pl->params.items[0];
  const char *text = ast_source_text();
  return !d->name && d->begin == d->end && d->spec->end - d->spec->begin == 4 &&
         !strncmp(text + d->spec->begin, "void", 4);
}

Declarator *ast_dtor_func(Span at, Declarator *d, ParamList *params) {
  Scope *scope = scope_pop();
  if (!d)
    d = ast_dtor_abstract(at);
  if (!d->first) {
    d->first = 'f';
    d->param_scope = scope;
    if (params && !is_void_list(params))
      d->params = params->params;
    d->is_variadic = params && params->is_variadic;
  }
  d->span = at;
  return d;
}

Declarator *ast_dtor_func_kr(Span at, Declarator *d, Vec *names) {
  d = ast_dtor_func(at, d, NULL);
  if (d->first == 'f' && !d->params.len && !d->is_kr) {
    d->is_kr = true;
    d->kr_names = *names;
  }
  return d;
}

Declarator *ast_dtor_extend(Span at, Declarator *d) {
  d->span = at;
  return d;
}

ParamList *ast_params(ParamList *list, Decl *param) {
  if (!list)
    list = xalloc(sizeof *list);
  vec_push(&list->params, param);
  return list;
}

ParamList *ast_params_variadic(ParamList *list) {
  if (!list)
    list = xalloc(sizeof *list);
  list->is_variadic = true;
  return list;
}

/* ---- declarations ---- */

static Decl *new_decl(DeclKind kind, const char *name, size_t name_off) {
  Decl *d = xalloc(sizeof *d);
  d->kind = kind;
  d->name = name;
  d->name_off = name_off;
  d->id = next_id++;
  d->first = d;
  return d;
}

/* Inside an async body `await` followed by an operand is the operator
   (keywords.c), so a variable, parameter, function, typedef or enumerator
   of that name could not be used there in every position. */
static void reserved_await(Decl *d) {
  if (d->name && !strcmp(d->name, "await"))
    error_at(d->name_off, "'await' is reserved inside async functions, "
             "where it is an operator; rename this %s",
             d->is_param ? "parameter" : d->kind == DK_TYPEDEF ? "typedef"
             : d->kind == DK_FUNC ? "function" : d->kind == DK_ENUMCONST
             ? "enumerator" : "variable");
}

Decl *ast_param(DeclSpec *spec, Declarator *dt, Span at) {
  Decl *d = new_decl(DK_VAR, dt ? dt->name : NULL, dt ? dt->name_off : 0);
  d->spec = spec;
  d->begin = dt ? dt->span.begin : at.end;
  d->end = dt ? dt->span.end : at.end;
  d->is_local = d->is_param = true;
  d->is_vla = dt && dt->is_vla;
  scope_declare(d);
  free(dt); /* the declarator is the grammar's: the Decl has what it needs */
  return d;
}

/* Links a redeclaration to the first declaration of the same entity. */
static void link_redeclaration(Decl *d, Decl *prev) {
  if (!prev || prev->kind != d->kind || d->kind == DK_TYPEDEF)
    return;
  Decl *first = prev->first;
  d->first = first;
  Decl *last = first;
  while (last->next_decl)
    last = last->next_decl;
  last->next_decl = d;
  if (d->is_async)
    for (Decl *x = first; x; x = x->next_decl)
      x->is_async = true;
  d->is_async |= first->is_async;
  d->def = first->def;
}

Decl *ast_declare(Parser *p, Declarator *dt) {
  DeclSpec *spec = p->specs.len ? p->specs.items[p->specs.len - 1] : NULL;
  /* `handler on_read;` with `typedef int handler(int);` declares a
     function, not an object. */
  bool func_type = dt->first == 'f' ||
                   (!dt->first && spec && spec->typedef_name &&
                    spec->typedef_name->is_func_type);
  DeclKind kind = spec && spec->storage == SC_TYPEDEF ? DK_TYPEDEF
                  : func_type                         ? DK_FUNC
                                                      : DK_VAR;
  Decl *d = new_decl(kind, dt->name, dt->name_off);
  d->spec = spec;
  d->begin = dt->span.begin;
  d->end = dt->span.end;
  d->is_local = scope_depth() > 0;
  d->is_vla = dt->is_vla;
  d->is_async = kind == DK_FUNC && spec && spec->is_async;
  if (kind == DK_FUNC && spec)
    spec->declares_func = true;
  d->is_func_type = kind == DK_TYPEDEF && func_type;
  /* The frame's constructor is written from the declarator's parameters. */
  /* A va_list lives only until the variadic function returns, and an
     async function returns its future before its body runs. */
  if (d->is_async && dt->is_variadic)
    error_at(d->name_off, "async function '%s' cannot be variadic (its "
             "body runs after the call returns); pass an array and a count",
             d->name);
  if (d->is_async && dt->first != 'f')
    error_at(d->name_off, "async function '%s' must be declared with a "
             "parameter list, not through a function typedef", d->name);
  if (kind == DK_FUNC) {
    d->params = dt->params;
    d->is_variadic = dt->is_variadic;
    d->is_kr = dt->is_kr;
    d->kr_names = dt->kr_names;
    p->last_func = d;
    p->last_params = dt->param_scope;
  }
  if (kind == DK_TYPEDEF) /* a hoisted local typedef is renamed here too */
    ast_name_use(d->name_off, d);
  if (kw_in_async_body())
    reserved_await(d);
  Decl *prev = scope_declare(d);
  /* A block-scope function or extern declaration names the file-scope
     entity (6.2.2p4). */
  if (!prev && d->is_local &&
      (kind == DK_FUNC || (spec && spec->storage == SC_EXTERN)))
    prev = scope_lookup_file(d->name);
  if (!prev && d->is_local && kind == DK_FUNC)
    vec_push(&block_funcs, d);
  for (int i = 0; !prev && !d->is_local && kind == DK_FUNC &&
                  i < block_funcs.len; i++)
    if (!strcmp(((Decl *)block_funcs.items[i])->name, d->name))
      prev = block_funcs.items[i];
  link_redeclaration(d, prev);
  if (kind == DK_FUNC && d->is_async)
    ast_add_async_func(d);
  if (d->is_async && d->first == d)
    declare_frame_name(d);
  free(dt); /* as in ast_param: every declared name had one */
  return d;
}

Decl *ast_enumerator(Span name, Node *value) {
  const char *text = ast_source_text() + name.begin;
  Decl *d = new_decl(DK_ENUMCONST, xstrndup(text, name.end - name.begin),
                     name.begin);
  d->begin = name.begin;
  d->end = name.end;
  d->init = value;
  d->is_local = scope_depth() > 0;
  if (kw_in_async_body())
    reserved_await(d);
  ast_name_use(name.begin, d); /* renamed with a hoisted enum */
  scope_declare(d);
  return d;
}

Decl *ast_decl_init(Decl *decl, Span eq, Node *init) {
  decl->init = init;
  decl->init_off = eq.begin;
  return decl;
}

Node *ast_declaration(Parser *p, Span at, DeclSpec *spec, Vec *decls) {
  spec_pop(p);
  Node *n = ast_new(scope_depth() > 0 ? ND_DECL_STMT : ND_DECLARATION,
                    at.begin, at.end);
  n->spec = spec;
  if (decls)
    n->decls = *decls;
  free(decls); /* the list's header: the node has its items */
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    if (d->init && d->init->has_await)
      n->has_await = true;
    if (d->is_kr && d->kr_names.len)
      error_at(d->name_off, "a parameter list without types is only allowed "
               "in a function definition");
  }
  return n;
}

/* ---- function definitions ---- */

/* Between the declarator and the body: the parameters come back in scope. */
void ast_func_begin(Parser *p, bool brace_read) {
  scope_reopen(p->last_params);
  p->last_params = NULL;
  Decl *fn = p->last_func;
  if (!fn || !fn->is_async)
    return;
  kw_function_body(true, brace_read);
  for (int i = 0; i < fn->params.len; i++)
    reserved_await(fn->params.items[i]);
}

/* What the walk over a function body knows about where it is. */
typedef struct Walk {
  Node *func;
  Node *loop;   /* innermost loop: target of continue */
  Node *brk;    /* innermost loop or switch: target of break */
  Node *sw;     /* innermost switch: target of case and default */
  Vec labels, gotos;
} Walk;

static void walk(Walk *w, Node *n);

static void walk_decls(Walk *w, Node *n, Node *scope) {
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    d->scope = scope;
    walk(w, d->init);
  }
}

static void walk_children(Walk *w, Node *n) {
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    walk(w, kids[i]);
  for (int i = 0; i < n->args.len; i++) {
    Node *item = n->args.items[i];
    if (item->kind == ND_DECL_STMT && n->kind == ND_BLOCK) {
      item->func = w->func;
      walk_decls(w, item, n);
    } else {
      walk(w, item);
    }
  }
}

/* Loops and switch: break, continue and case find them through w. */
static void walk_breakable(Walk *w, Node *n) {
  Walk saved = *w;
  w->brk = n;
  if (n->kind == ND_SWITCH)
    w->sw = n;
  else
    w->loop = n;
  if (n->init && n->init->kind == ND_DECL_STMT) {
    n->init->func = w->func;
    walk_decls(w, n->init, n);
  } else {
    walk(w, n->init);
  }
  walk(w, n->cond);
  walk(w, n->inc);
  walk(w, n->body);
  saved.labels = w->labels;
  saved.gotos = w->gotos;
  *w = saved;
}

static void walk(Walk *w, Node *n) {
  if (!n)
    return;
  n->func = w->func;
  switch (n->kind) {
  case ND_WHILE: case ND_DO: case ND_FOR: case ND_SWITCH:
    walk_breakable(w, n);
    return;
  case ND_BREAK: n->target = w->brk; break;
  case ND_CONTINUE: n->target = w->loop; break;
  case ND_CASE: case ND_DEFAULT:
    n->target = w->sw;
    if (w->sw)
      vec_push(&w->sw->args, n);
    break;
  case ND_LABEL: vec_push(&w->labels, n); break;
  case ND_GOTO: vec_push(&w->gotos, n); break;
  case ND_DECL_STMT: walk_decls(w, n, NULL); return;
  default: break;
  }
  walk_children(w, n);
}

static void resolve_gotos(Walk *w) {
  for (int i = 0; i < w->gotos.len; i++) {
    Node *g = w->gotos.items[i];
    for (int j = 0; j < w->labels.len && !g->target; j++)
      if (!strcmp(((Node *)w->labels.items[j])->name, g->name))
        g->target = w->labels.items[j];
  }
}

Node *ast_func_def(Parser *p, Span at, DeclSpec *spec, Decl *fn, Node *body) {
  spec_pop(p);
  scope_pop();
  Node *n = ast_new(ND_FUNC_DEF, at.begin, at.end);
  n->spec = spec;
  n->decl = fn;
  n->body = body;
  n->name = fn->name;
  n->name_off = fn->name_off;
  n->has_await = body->has_await;
  if (scope_depth() > 0)
    error_at(fn->name_off, "nested function '%s' is not supported",
             fn->name ? fn->name : "");
  if (fn->kind != DK_FUNC)
    error_at(fn->name_off, "expected ';' after declarator");
  for (Decl *d = fn->first; d; d = d->next_decl)
    d->def = n;
  fn->def = n;
  for (int i = 0; i < fn->params.len; i++)
    ((Decl *)fn->params.items[i])->scope = n;
  Walk w = {.func = n};
  walk(&w, body);
  resolve_gotos(&w);
  if (fn->is_async)
    vec_push(&async_defs, n);
  return n;
}

/* The declaration of K&R parameter `name` in `decls`, marked a parameter;
   NULL if none declares it. */
static Decl *kr_param(Vec *decls, const char *name) {
  for (int i = 0; i < decls->len; i++) {
    Node *n = decls->items[i];
    for (int j = 0; j < n->decls.len; j++) {
      Decl *d = n->decls.items[j];
      if (d->name && !strcmp(d->name, name)) {
        d->is_param = true;
        return d;
      }
    }
  }
  return NULL;
}

/* `int f(a, b) int a; long b; { ... }`: the declarations between the
   declarator and the body give the parameters their types (6.9.1p6). */
Node *ast_func_def_kr(Parser *p, Span at, DeclSpec *spec, Decl *fn,
                      Vec *decls, Node *body) {
  if (!fn->is_kr)
    error_at(fn->name_off, "declarations before the body of '%s', whose "
             "parameter list is not an identifier list", fn->name);
  if (fn->is_async)
    error_at(fn->name_off, "async function '%s' needs a prototype; "
             "K&R parameter lists are for plain functions", fn->name);
  Vec params = {0};
  for (int i = 0; i < fn->kr_names.len; i++) {
    const char *name = fn->kr_names.items[i];
    Decl *d = kr_param(decls, name);
    if (!d)
      error_at(fn->name_off, "parameter '%s' of '%s' has no declaration",
               name, fn->name);
    else
      vec_push(&params, d);
  }
  for (int i = 0; i < decls->len; i++) {
    Node *n = decls->items[i];
    for (int j = 0; j < n->decls.len; j++) {
      Decl *d = n->decls.items[j];
      if (!d->is_param)
        error_at(d->name_off, "'%s' is not in the parameter list of '%s'",
                 d->name ? d->name : "", fn->name);
    }
  }
  fn->params = params;
  return ast_func_def(p, at, spec, fn, body);
}

Node *ast_translation_unit(Parser *p, Vec *items) {
  Node *n = ast_new(ND_TRANSLATION_UNIT, 0, p->src->len);
  n->args = items ? *items : (Vec){0};
  p->tu = n;
  return n;
}

/* ---- scopes opened by the grammar, and recovery from syntax errors ---- */

void ast_scope_open(Parser *p, bool is_block) {
  scope_push();
  ScopeMark *m = xalloc(sizeof *m);
  *m = (ScopeMark){scope_depth(), p->specs.len, is_block};
  vec_push(&p->marks, m);
}

void ast_scope_close(Parser *p) {
  scope_free(scope_pop());
  if (p->marks.len)
    free(p->marks.items[--p->marks.len]);
}

/*
 * The parser resumed after an error in the innermost block whose item list
 * was still open (or at file scope).  Scopes and specifiers opened by the
 * constructs it abandoned are dropped: for statements opened inside that
 * block, declarators' parameter scopes, declarations' specifiers.
 */
Node *ast_recover(Parser *p, Span at, bool at_file_scope) {
  while (p->marks.len &&
         (at_file_scope ||
          !((ScopeMark *)p->marks.items[p->marks.len - 1])->is_block))
    p->marks.len--;
  int depth = 0, nspecs = 0;
  if (p->marks.len) {
    ScopeMark *m = p->marks.items[p->marks.len - 1];
    depth = m->depth;
    nspecs = m->nspecs;
  }
  while (scope_depth() > depth)
    scope_pop();
  p->specs.len = nspecs;
  return ast_new(ND_NULL, at.begin, at.end);
}
