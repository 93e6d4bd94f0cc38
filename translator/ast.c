/*
 * ast.c: the node builders that grammar/parser.y calls, one per action, and
 * the finishing walk over each function definition.
 *
 * Builders set a node's exact byte range from bison's locations, read an
 * operator's spelling from the buffer, and propagate has_await upwards.
 * Declarators are built bottom-up as a Declarator (parse.h) and become a
 * Decl when complete, at which point the name is declared in scope.c; the
 * lexer's next identifier already sees it.  Facts that need the whole
 * function (goto targets, break/continue/case targets, each local's scope
 * node, `func`) are filled in by one walk when the definition is reduced.
 */
#include "parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static Source *src;  /* the buffer being parsed */
static Vec hidden;   /* ND_AWAIT nodes outside the tree (ast_unevaluated) */
static Vec awaits_;  /* every ND_AWAIT, in the order built */
static Vec calls_;   /* every ND_CALL, in the order built */
static Vec typeof_unqual_; /* offsets of typeof_unqual keywords */
static Vec func_names_; /* every ND_IDENT naming a function, in or out of
                           the tree (typeof operands, array sizes) */
static Vec async_funcs_; /* every async function declaration, in order */
static Vec async_specs_; /* every DeclSpec with `async`, in order */
static Vec vtable_names_; /* Decl*: async f whose f__vtable is used */
static Vec typeof_awaits_; /* Node*: typeof operands holding an await */
static Vec sizeof_awaits_; /* Node*: sizeof/_Alignof operands, the same */
static int nesting;        /* ( [ { open (the lexer's count) */
static bool nesting_exceeded;

/* Where each name refers to (ast_name_at): NameUse*, sorted when read. */
typedef struct NameUse {
  size_t off;
  Decl *decl;
} NameUse;
static Vec uses_;
static bool uses_sorted;

void ast_begin(Source *s) {
  nesting = 0;
  nesting_exceeded = false;
  vtable_names_ = (Vec){0};
  src = s;
  hidden = (Vec){0};
  awaits_ = (Vec){0};
  calls_ = (Vec){0};
  typeof_unqual_ = (Vec){0};
  func_names_ = (Vec){0};
  async_funcs_ = (Vec){0};
  async_specs_ = (Vec){0};
  typeof_awaits_ = sizeof_awaits_ = (Vec){0};
  uses_ = (Vec){0};
}

void ast_name_use(size_t off, Decl *d) {
  if (!d)
    return;
  NameUse *u = xalloc(sizeof *u);
  u->off = off;
  u->decl = d;
  vec_push(&uses_, u);
  uses_sorted = false;
}

static int by_offset(const void *a, const void *b) {
  const NameUse *x = *(NameUse *const *)a, *y = *(NameUse *const *)b;
  return (x->off > y->off) - (x->off < y->off);
}

/* Names are recorded in the order the parser reduces them, nearly sorted;
   one sort before the first look-up (after the parse) makes them so. */
Decl *ast_name_at(size_t off) {
  if (!uses_sorted) {
    if (uses_.len > 1)
      qsort(uses_.items, (size_t)uses_.len, sizeof *uses_.items, by_offset);
    uses_sorted = true;
  }
  int lo = 0, hi = uses_.len;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    NameUse *u = uses_.items[mid];
    if (u->off == off)
      return u->decl;
    if (u->off < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const Vec *ast_awaits(void) { return &awaits_; }

const Vec *ast_calls(void) { return &calls_; }
const Vec *ast_func_names(void) { return &func_names_; }
const Vec *ast_async_funcs(void) { return &async_funcs_; }
void ast_add_async_func(Decl *d) { vec_push(&async_funcs_, d); }
const Vec *ast_async_specs(void) { return &async_specs_; }
void ast_add_async_spec(DeclSpec *s) { vec_push(&async_specs_, s); }

Node *ast_find_await(Node *n) {
  if (!n || !n->has_await)
    return NULL;
  if (n->kind == ND_AWAIT)
    return n;
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  Node *a = NULL;
  for (size_t i = 0; !a && i < sizeof kids / sizeof *kids; i++)
    a = ast_find_await(kids[i]);
  for (int i = 0; !a && i < n->args.len; i++)
    a = ast_find_await(n->args.items[i]);
  for (int i = 0; !a && i < n->decls.len; i++)
    a = ast_find_await(((Decl *)n->decls.items[i])->init);
  return a;
}

/* The await keeps `where` in its name field, which awaits otherwise lack. */
void ast_unevaluated(const char *where, Node *expr) {
  Node *a = ast_find_await(expr);
  if (!a)
    return;
  a->name = where;
  vec_push(&hidden, a);
}

const Vec *ast_hidden_awaits(void) { return &hidden; }

const Vec *ast_typeof_awaits(void) { return &typeof_awaits_; }
const Vec *ast_sizeof_awaits(void) { return &sizeof_awaits_; }

Node *ast_typeof(Node *expr) {
  ast_unevaluated("typeof", expr);
  if (expr && expr->has_await)
    vec_push(&typeof_awaits_, expr);
  return expr;
}

void ast_note_sizeof_await(Node *expr) { vec_push(&sizeof_awaits_, expr); }

/* typeof_unqual is C23; translate.c tells whether libclang knows it. */
void ast_typeof_keyword(Span at) {
  const char *t = src->text + at.begin;
  if (strstr(xstrndup(t, at.end - at.begin), "unqual"))
    vec_push(&typeof_unqual_, (void *)(uintptr_t)at.begin);
}

const Vec *ast_typeof_unqual(void) { return &typeof_unqual_; }

Span span_join(const Span *rhs, int n) {
  Span s = {rhs[0].end, rhs[0].end};
  bool found = false;
  for (int i = 1; i <= n; i++) {
    if (rhs[i].begin == rhs[i].end)
      continue;
    if (!found)
      s.begin = rhs[i].begin;
    s.end = rhs[i].end;
    found = true;
  }
  if (!found)
    s.begin = s.end;
  return s;
}

const char *ast_source_text(void) { return src->text; }

static const char *spelling(Span at) {
  return intern(src->text + at.begin, at.end - at.begin);
}

Vec *ast_list(Vec *list, void *item) {
  if (!list)
    list = xalloc(sizeof *list);
  if (item)
    vec_push(list, item);
  return list;
}

Vec *ast_list_join(Vec *a, Vec *b) {
  if (!a)
    return b;
  for (int i = 0; b && i < b->len; i++)
    vec_push(a, b->items[i]);
  return a;
}

/* Nodes live as long as the translation and are never freed one by one:
   they come from blocks of a thousand, without malloc's header on
   each (a large file has millions). */
static Node *node_alloc(void) {
  enum { PER_BLOCK = 1024 };
  static Vec blocks; /* all of them stay reachable */
  static Node *block;
  static int used = PER_BLOCK;
  if (used == PER_BLOCK) {
    block = xalloc(sizeof *block * PER_BLOCK);
    vec_push(&blocks, block);
    used = 0;
  }
  return &block[used++];
}

Node *ast_new(NodeKind kind, size_t begin, size_t end) {
  Node *n = node_alloc();
  n->kind = kind;
  n->begin = begin;
  n->end = end;
  n->op_off = begin;
  return n;
}

static Node *new_node(NodeKind kind, Span at) {
  return ast_new(kind, at.begin, at.end);
}

static bool awaits(const Node *n) { return n && n->has_await; }

/* Sets has_await from the children: every builder ends here. */
static Node *finish(Node *n) {
  bool a = n->kind == ND_AWAIT || awaits(n->lhs) || awaits(n->rhs) ||
           awaits(n->cond) || awaits(n->then) || awaits(n->els) ||
           awaits(n->init) || awaits(n->inc) || awaits(n->body);
  for (int i = 0; !a && i < n->args.len; i++)
    a = awaits(n->args.items[i]);
  for (int i = 0; !a && i < n->decls.len; i++)
    a = awaits(((Decl *)n->decls.items[i])->init);
  n->has_await = a;
  return n;
}

/* The items of a list the grammar built (ast_list): the node takes them,
   and the list's own header goes (every call, block and initializer has
   one). */
static Vec vec_of(Vec *v) {
  Vec items = v ? *v : (Vec){0};
  free(v);
  return items;
}

/* ---- expressions ---- */

const Vec *ast_vtable_names(void) { return &vtable_names_; }

/* `f__vtable` of an async function f (undeclared while acc reads the
   program: it generates it). */
static void note_vtable_name(const char *name) {
  size_t n = strlen(name);
  if (n <= 8 || strcmp(name + n - 8, "__vtable"))
    return;
  Decl *f = scope_lookup(xstrndup(name, n - 8));
  if (!f || f->kind != DK_FUNC || !(f->is_async || f->first->is_async))
    return;
  for (int i = 0; i < vtable_names_.len; i++)
    if (vtable_names_.items[i] == f->first)
      return;
  vec_push(&vtable_names_, f->first);
}

Node *ast_ident(Span at, const char *name) {
  Node *n = new_node(ND_IDENT, at);
  n->name = name;
  n->name_off = at.begin;
  n->decl = scope_lookup(name);
  if (!n->decl)
    note_vtable_name(name);
  else if (n->decl->kind == DK_FUNC)
    vec_push(&func_names_, n);
  ast_name_use(at.begin, n->decl);
  return n;
}

Node *ast_leaf(NodeKind kind, Span at) { return new_node(kind, at); }

/* `(e)`: the inner node, widened to cover the parentheses. */
Node *ast_paren(Span at, Node *inner) {
  inner->begin = at.begin;
  inner->end = at.end;
  return inner;
}

Node *ast_extension(Span at, Node *operand) { return ast_paren(at, operand); }

Node *ast_call(Span at, Node *fn, Vec *args) {
  Node *n = new_node(ND_CALL, at);
  vec_push(&calls_, n);
  n->lhs = fn;
  n->args = vec_of(args);
  n->op_off = fn->end;
  return finish(n);
}

Node *ast_index(Span at, Node *base, Node *index) {
  Node *n = new_node(ND_INDEX, at);
  n->lhs = base;
  n->rhs = index;
  n->op_off = base->end;
  return finish(n);
}

Node *ast_member(NodeKind kind, Span at, Node *base, Span name) {
  Node *n = new_node(kind, at);
  n->lhs = base;
  n->name = spelling(name);
  n->name_off = name.begin;
  n->op_off = base->end;
  return finish(n);
}

Node *ast_postfix(NodeKind kind, Span at, Span op, Node *operand) {
  return ast_unary(kind, at, op, operand);
}

Node *ast_unary(NodeKind kind, Span at, Span op, Node *operand) {
  Node *n = new_node(kind, at);
  if (kind == ND_AWAIT)
    vec_push(&awaits_, n);
  n->lhs = operand;
  n->op_off = op.begin;
  finish(n);
  if ((kind == ND_SIZEOF_EXPR || kind == ND_ALIGNOF_EXPR) && n->has_await) {
    ast_note_sizeof_await(operand); /* only its type is asked for */
    n->has_await = false;
  }
  return n;
}

Node *ast_unary_tok(Span at, Span op, Node *operand) {
  static const struct { char c; NodeKind kind; } ops[] = {
      {'&', ND_ADDR}, {'*', ND_DEREF}, {'+', ND_PLUS},
      {'-', ND_NEG},  {'~', ND_BITNOT}, {'!', ND_NOT},
  };
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (src->text[op.begin] == ops[i].c)
      return ast_unary(ops[i].kind, at, op, operand);
  unreachable();
}

Node *ast_typed(NodeKind kind, Span at, Span op, Span type, Node *operand) {
  Node *n = new_node(kind, at);
  n->op_off = op.begin;
  n->type_begin = type.begin;
  n->type_end = type.end;
  if (kind == ND_COMPOUND_LIT)
    n->init = operand;
  else
    n->lhs = operand;
  return finish(n);
}

Node *ast_binop(Span at, Span op, Node *lhs, Node *rhs) {
  const char *s = spelling(op);
  NodeKind kind = ND_BINARY;
  size_t len = strlen(s);
  if (!strcmp(s, "&&"))
    kind = ND_LOGAND;
  else if (!strcmp(s, "||"))
    kind = ND_LOGOR;
  else if (!strcmp(s, ","))
    kind = ND_COMMA;
  else if (s[len - 1] == '=' && strcmp(s, "==") && strcmp(s, "!=") &&
           strcmp(s, "<=") && strcmp(s, ">="))
    kind = ND_ASSIGN;
  Node *n = new_node(kind, at);
  n->op = s;
  n->op_off = op.begin;
  n->lhs = lhs;
  n->rhs = rhs;
  return finish(n);
}

Node *ast_cond(Span at, Span op, Node *cond, Node *then, Node *els) {
  Node *n = new_node(ND_COND, at);
  n->op_off = op.begin;
  n->cond = cond;
  n->then = then;
  n->els = els;
  return finish(n);
}

Node *ast_stmt_expr(Span at, Node *block) {
  Node *n = new_node(ND_STMT_EXPR, at);
  n->body = block;
  return finish(n);
}

Node *ast_generic(Span at, Node *ctrl, Vec *assocs) {
  Node *n = new_node(ND_GENERIC, at);
  n->lhs = ctrl;
  n->args = vec_of(assocs);
  return finish(n);
}

/* A `default:` association has an empty type range. */
Node *ast_generic_assoc(Span at, Span type, Node *value) {
  Node *n = new_node(ND_GENERIC_ASSOC, at);
  if (strncmp(src->text + type.begin, "default", 7)) {
    n->type_begin = type.begin;
    n->type_end = type.end;
  }
  n->lhs = value;
  return finish(n);
}

/* The second type (the member designator of offsetof) has no field: the
   lowering copies these nodes whole, as written, and a field in every
   node for two rare kinds cost 8 bytes a node. */
Node *ast_types_compat(Span at, Span t1, Span t2) {
  Node *n = new_node(ND_TYPES_COMPAT, at);
  n->type_begin = t1.begin;
  n->type_end = t1.end;
  (void)t2;
  return n;
}

Node *ast_offsetof(Span at, Span type, Span member) {
  Node *n = ast_types_compat(at, type, member);
  n->kind = ND_OFFSETOF;
  return n;
}

Node *ast_label_addr(Span at, Span name) {
  Node *n = new_node(ND_LABEL_ADDR, at);
  n->name = spelling(name);
  n->name_off = name.begin;
  return n;
}

Node *ast_init_list(Span at, Vec *items) {
  Node *n = new_node(ND_INIT_LIST, at);
  n->args = vec_of(items);
  return finish(n);
}

/* The designator's range (empty when there is none) goes in
   type_begin/type_end. */
Node *ast_init_item(Span at, Span desig, Node *value) {
  Node *n = new_node(ND_INIT_ITEM, at);
  n->type_begin = desig.begin;
  n->type_end = desig.end;
  n->lhs = value;
  return finish(n);
}

/* ---- statements ---- */

Node *ast_block(Span at, Vec *items) {
  Node *n = new_node(ND_BLOCK, at);
  n->args = vec_of(items);
  return finish(n);
}

Node *ast_stmt(NodeKind kind, Span at, Node *lhs, Node *body) {
  Node *n = new_node(kind, at);
  n->lhs = lhs;
  n->body = body;
  return finish(n);
}

Node *ast_if(Span at, Node *cond, Node *then, Node *els) {
  Node *n = new_node(ND_IF, at);
  n->cond = cond;
  n->then = then;
  n->els = els;
  return finish(n);
}

Node *ast_loop(NodeKind kind, Span at, Node *cond, Node *body) {
  Node *n = new_node(kind, at);
  n->cond = cond;
  n->body = body;
  return finish(n);
}

Node *ast_for(Span at, Node *init, Node *cond, Node *inc, Node *body) {
  Node *n = new_node(ND_FOR, at);
  n->init = init;
  n->cond = cond;
  n->inc = inc;
  n->body = body;
  return finish(n);
}

Node *ast_case(Span at, Node *lo, Node *hi, Node *body) {
  Node *n = new_node(ND_CASE, at);
  n->lhs = lo;
  n->rhs = hi;
  n->body = body;
  return finish(n);
}

Node *ast_label(Span at, Span name, Node *body) {
  Node *n = new_node(ND_LABEL, at);
  n->name = spelling(name);
  n->name_off = name.begin;
  n->body = body;
  return finish(n);
}

Node *ast_goto(Span at, Span name) {
  Node *n = new_node(ND_GOTO, at);
  n->name = spelling(name);
  n->name_off = name.begin;
  return n;
}

Node *ast_asm(Span at, Vec *operands) {
  Node *n = new_node(ND_ASM, at);
  n->args = vec_of(operands);
  return finish(n);
}

bool ast_nest_open(size_t at) {
  if (++nesting <= ACC_MAX_NESTING)
    return true;
  if (!nesting_exceeded)
    error_at(at, "parentheses, brackets and braces nest deeper than %d "
             "levels here, acc's limit", ACC_MAX_NESTING);
  nesting_exceeded = true;
  return false;
}

void ast_nest_close(void) {
  if (nesting > 0)
    nesting--;
}

bool ast_nesting_exceeded(void) { return nesting_exceeded; }

void ast_syntax_error(Parser *p, Span at, const char *msg) {
  p->nerrs++;
  if (!nesting_exceeded)
    error_at(at.begin, "%s", msg);
}

/* ---- names and dumps ---- */

static const char *const kind_names[] = {
    "IDENT", "CONST", "STRING", "CALL", "INDEX", "MEMBER", "ARROW",
    "POSTINC", "POSTDEC", "COMPOUND_LIT", "PREINC", "PREDEC", "ADDR",
    "DEREF", "PLUS", "NEG", "BITNOT", "NOT", "REAL", "IMAG", "SIZEOF_EXPR", "SIZEOF_TYPE",
    "ALIGNOF_EXPR", "ALIGNOF_TYPE", "AWAIT", "CAST", "BINARY", "LOGAND",
    "LOGOR", "COND", "ASSIGN", "COMMA", "STMT_EXPR", "GENERIC",
    "GENERIC_ASSOC", "VA_ARG", "OFFSETOF", "TYPES_COMPAT", "LABEL_ADDR",
    "INIT_LIST", "INIT_ITEM", "BLOCK", "EXPR_STMT", "DECL_STMT", "IF",
    "WHILE", "DO", "FOR", "SWITCH", "CASE", "DEFAULT", "LABEL", "GOTO",
    "GOTO_INDIRECT", "BREAK", "CONTINUE", "RETURN", "NULL", "ASM",
    "FUNC_DEF", "DECLARATION", "STATIC_ASSERT", "TOP_ASM",
    "TRANSLATION_UNIT",
};

const char *ast_kind_name(NodeKind kind) {
  _Static_assert(sizeof kind_names / sizeof *kind_names ==
                     ND_TRANSLATION_UNIT + 1,
                 "one name per NodeKind");
  return kind_names[kind];
}

static void dump_decls(FILE *out, const Node *n, int depth) {
  for (int i = 0; i < n->decls.len; i++) {
    const Decl *d = n->decls.items[i];
    fprintf(out, "%*sdecl %s [%zu,%zu)%s%s\n", 2 * depth + 2, "",
            d->name ? d->name : "(anon)", d->begin, d->end,
            d->is_vla ? " vla" : "", d->is_async ? " async" : "");
    if (d->init)
      ast_dump(out, d->init, depth + 2);
  }
}

/* One line per node: kind, range, operator or name, then the children. */
void ast_dump(FILE *out, const Node *n, int depth) {
  if (!n)
    return;
  fprintf(out, "%*s%s [%u,%u)", 2 * depth, "", ast_kind_name(n->kind),
          n->begin, n->end);
  if (n->op)
    fprintf(out, " %s", n->op);
  if (n->name)
    fprintf(out, " %s", n->name);
  if (n->has_await)
    fputs(" has_await", out);
  fputc('\n', out);
  dump_decls(out, n, depth);
  const Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                        n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    ast_dump(out, kids[i], depth + 1);
  if (n->kind != ND_SWITCH)
    for (int i = 0; i < n->args.len; i++)
      ast_dump(out, n->args.items[i], depth + 1);
}
