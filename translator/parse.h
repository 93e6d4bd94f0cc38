/*
 * parse.h: what grammar/parser.y and grammar/lexer.l share with the C files
 * behind them: the parser state, declarators under construction, the node
 * builders of ast.c that the grammar actions call, and the scopes of scope.c
 * that resolve names and answer the lexer's typedef question.  Passes after
 * the parser need only ast.h.
 */
#ifndef PARSE_H
#define PARSE_H

#include "ast.h"

/* A byte range [begin, end) of Source.text: bison's location type.  An empty
   span (begin == end) marks an empty rule and is ignored when joining. */
typedef struct Span {
  size_t begin, end;
} Span;

Span span_join(const Span *rhs, int n); /* YYLLOC_DEFAULT: rhs[1..n] */

typedef struct Scope Scope;

/*
 * A declarator while it is being parsed.  `first` is the derivation applied
 * to the name first ('f' function, 'p' pointer, 'a' array, 0 none): it
 * decides whether `int *f(int)` declares a function and `int (*f)(int)` an
 * object.  The parameters are those of that first function derivation.
 */
typedef struct Declarator {
  const char *name;    /* NULL in an abstract declarator */
  size_t name_off;
  Span span;
  int first;
  bool is_vla;         /* some array size is not a constant expression */
  Vec params;          /* Decl*: parameters of the `first` function */
  bool is_variadic;
  Scope *param_scope;  /* the prototype scope holding those parameters */
  Vec kr_names;        /* const char*: a K&R identifier list `f(a, b)` */
  bool is_kr;
} Declarator;

/* A parameter list while it is being parsed. */
typedef struct ParamList {
  Vec params;
  bool is_variadic;
} ParamList;

/* A scope the grammar opened (a block or a for statement), for recovery. */
typedef struct ScopeMark {
  int depth;          /* scope_depth() inside it */
  int nspecs;         /* Parser.specs.len when it opened */
  bool is_block;
} ScopeMark;

/* The parser's state, passed to every action. */
typedef struct Parser {
  Source *src;
  Vec specs;          /* DeclSpec*: specifiers of the declarations being read */
  Vec marks;          /* ScopeMark*: blocks and for statements open */
  Decl *last_func;    /* the function declarator just declared (definitions) */
  Scope *last_params; /* and the prototype scope of its parameters */
  Node *tu;
  int nerrs;
} Parser;

/* What a declaration specifier contributes to a DeclSpec. */
typedef enum SpecWhat {
  SP_TYPE,      /* a type specifier or qualifier: range only */
  SP_CONST,     /* const / __const */
  SP_TYPEDEF, SP_EXTERN, SP_STATIC, SP_AUTO, SP_REGISTER,
  SP_THREAD,    /* _Thread_local / __thread */
  SP_INLINE,    /* inline, _Noreturn */
  SP_ASYNC,     /* async */
} SpecWhat;

/* How deep parentheses, brackets and braces may nest, together: far more
   than code needs (clang stops at 256 by default; gcc has no limit), and
   shallow enough that the parser, libclang and acc's own walks stay
   within their stacks.  Deeper input gets one error naming the limit. */
#define ACC_MAX_NESTING 1024

/* ==== ast.c: builders called by the grammar actions ==== */

void ast_begin(Source *src); /* the buffer operators are read from */
void ast_decl_begin(void);   /* ast_decl.c's state, for a new parse */
const char *ast_source_text(void);

/* The one copy of the n bytes at s (intern.c): names and operators. */
const char *intern(const char *s, size_t n);

Vec *ast_list(Vec *list, void *item);
Vec *ast_list_join(Vec *a, Vec *b); /* a then b (either may be NULL) */

Node *ast_ident(Span at, const char *name);
Node *ast_leaf(NodeKind kind, Span at); /* constants, strings, ; */
Node *ast_paren(Span at, Node *inner);
Node *ast_call(Span at, Node *fn, Vec *args);
Node *ast_index(Span at, Node *base, Node *index);
Node *ast_member(NodeKind kind, Span at, Node *base, Span name);
Node *ast_postfix(NodeKind kind, Span at, Span op, Node *operand);
Node *ast_unary(NodeKind kind, Span at, Span op, Node *operand);
Node *ast_unary_tok(Span at, Span op, Node *operand); /* kind from text */
Node *ast_extension(Span at, Node *operand);          /* __extension__ e */
Node *ast_typed(NodeKind kind, Span at, Span op, Span type, Node *operand);
Node *ast_binop(Span at, Span op, Node *lhs, Node *rhs); /* kind from text */
Node *ast_cond(Span at, Span op, Node *cond, Node *then, Node *els);
Node *ast_stmt_expr(Span at, Node *block);
Node *ast_generic(Span at, Node *ctrl, Vec *assocs);
Node *ast_generic_assoc(Span at, Span type, Node *value);
Node *ast_types_compat(Span at, Span t1, Span t2);
Node *ast_offsetof(Span at, Span type, Span member);
Node *ast_label_addr(Span at, Span name);
Node *ast_init_list(Span at, Vec *items);
Node *ast_init_item(Span at, Span desig, Node *value);

Node *ast_block(Span at, Vec *items);
Node *ast_stmt(NodeKind kind, Span at, Node *lhs, Node *body);
Node *ast_if(Span at, Node *cond, Node *then, Node *els);
Node *ast_loop(NodeKind kind, Span at, Node *cond, Node *body);
Node *ast_for(Span at, Node *init, Node *cond, Node *inc, Node *body);
Node *ast_case(Span at, Node *lo, Node *hi, Node *body);
Node *ast_label(Span at, Span name, Node *body);
Node *ast_goto(Span at, Span name);
Node *ast_asm(Span at, Vec *operands); /* asm statement: operand exprs */

DeclSpec *ast_spec(DeclSpec *spec, SpecWhat what, Span at);
/* A typedef name as a type specifier: records which typedef it names. */
DeclSpec *ast_spec_typedef_name(DeclSpec *spec, Span at, const char *name);
/* Records that the name at byte offset off refers to d (ast_name_at). */
void ast_name_use(size_t off, Decl *d);
/* A unique type specifier: tag is a struct/union/enum definition (ND_NULL),
   the operand of typeof(expr), or NULL. */
DeclSpec *ast_spec_tag(DeclSpec *spec, Span at, Node *tag);
Node *ast_typeof(Node *expr); /* typeof(expr): records hidden awaits */
/* typeof's keyword: typeof_unqual is recorded (ast_typeof_unqual), for
   translate.c to report where libclang does not know it. */
void ast_typeof_keyword(Span at);
/* A sizeof or _Alignof operand that holds an await (ast_sizeof_awaits). */
void ast_note_sizeof_await(Node *expr);
Node *ast_tag(Span at, bool has_body);  /* a struct/union/enum specifier */
DeclSpec *ast_spec_push(Parser *p, DeclSpec *spec);
Declarator *ast_dtor_name(Span at, const char *name);
Declarator *ast_dtor_abstract(Span at);
Declarator *ast_dtor_pointer(Span at, Declarator *d);
Declarator *ast_dtor_paren(Span at, Declarator *d);
Declarator *ast_dtor_array(Span at, Declarator *d, Node *size);
Declarator *ast_dtor_func(Span at, Declarator *d, ParamList *params);
Declarator *ast_dtor_func_kr(Span at, Declarator *d, Vec *names);
Declarator *ast_dtor_extend(Span at, Declarator *d); /* attributes, asm */
ParamList *ast_params(ParamList *list, Decl *param);
ParamList *ast_params_variadic(ParamList *list);
Decl *ast_param(DeclSpec *spec, Declarator *d, Span at);
Decl *ast_declare(Parser *p, Declarator *d);
Decl *ast_enumerator(Span name, Node *value);
/* The members of one struct declaration: those with a future type are
   recorded for ast_member_future_at. */
void ast_members(DeclSpec *spec, Vec *dtors);
Decl *ast_decl_init(Decl *decl, Span eq, Node *init);
Node *ast_declaration(Parser *p, Span at, DeclSpec *spec, Vec *decls);
/* Between a function's declarator and its body; brace_read: the body's
   '{' is already the parser's lookahead. */
void ast_func_begin(Parser *p, bool brace_read);
Node *ast_func_def(Parser *p, Span at, DeclSpec *spec, Decl *fn, Node *body);
Node *ast_func_def_kr(Parser *p, Span at, DeclSpec *spec, Decl *fn,
                      Vec *decls, Node *body);
Node *ast_translation_unit(Parser *p, Vec *items);
/* Expressions that the AST does not keep (typeof operands, array sizes of
   declarators): recorded if they contain an await, for sema to report. */
void ast_unevaluated(const char *where, Node *expr);
const Vec *ast_hidden_awaits(void); /* Node* ND_AWAIT; their where in name */
const Vec *ast_awaits(void);        /* every ND_AWAIT of the parse */
const Vec *ast_calls(void);         /* every ND_CALL of the parse */
/* Every identifier expression naming a function, also those outside the
   tree (typeof operands, array sizes, bit-field widths...). */
const Vec *ast_func_names(void);
const Vec *ast_async_funcs(void);   /* Decl*: every async function
                                       declaration, in order */
void ast_add_async_func(Decl *d);   /* ast_declare records them */
const Vec *ast_async_specs(void);   /* DeclSpec*: every one with `async`
                                       (functions, pointers, type names) */
void ast_add_async_spec(DeclSpec *s);
Node *ast_find_await(Node *n);      /* the first ND_AWAIT in n, or NULL */
void ast_syntax_error(Parser *p, Span at, const char *msg);
/* The lexer's count of open ( [ {: false (after one error) when the one
   at offset `at` is deeper than ACC_MAX_NESTING. */
bool ast_nest_open(size_t at);
void ast_nest_close(void);
bool ast_nesting_exceeded(void); /* later syntax errors are its echo */

/* ==== syntax_error.c: what the parser could not read, as gcc words it ==== */

/* Up to this many expected tokens are listed; with more, only the token
   found is named. */
#define SYNTAX_ERROR_MAX_LISTED 4

typedef struct SyntaxError {
  Span at;                 /* the token the parser could not use */
  const char *unexpected;  /* its grammar symbol, e.g. "return" or "';'" */
  const char *expected[SYNTAX_ERROR_MAX_LISTED];
  int nexpected;           /* 0 when unknown or more than listed */
  bool expects_expression; /* an expression could have started here */
  bool expects_rbrace;     /* a '}' could have closed a block here */
} SyntaxError;

void syntax_error_report(Parser *p, const SyntaxError *e);
void ast_scope_open(Parser *p, bool is_block);
void ast_scope_close(Parser *p);
Node *ast_recover(Parser *p, Span at, bool at_file_scope); /* `error ;` */

/* ==== keywords.c: where async and await are keywords ==== */

void kw_begin(Source *src);       /* a fresh parse of src */
void kw_brace(char c);            /* the lexer read '{' or '}' */
/* The parser is between a function's declarator and its body. */
void kw_function_body(bool is_async, bool brace_read);
bool kw_in_async_body(void);
/* Whether the word `async` (`await`) at [begin, end) of the buffer is the
   keyword; if so its offset is added to Source.keywords. */
bool kw_is_async(size_t begin, size_t end);
bool kw_is_await(size_t begin, size_t end);

/* ==== scope.c ==== */

void scope_init(void);              /* a fresh file scope */
void scope_push(void);
Scope *scope_pop(void);             /* returns the scope left */
/* Frees a scope popped for good (a block's, a for statement's): a large
   file opens hundreds of thousands. */
void scope_free(Scope *s);
void scope_reopen(Scope *s);        /* re-enter a prototype scope */
int scope_depth(void);              /* 0 at file scope */
/* Declares decl in the innermost scope; returns an earlier declaration of
   the same name in that scope, or NULL. */
Decl *scope_declare(Decl *decl);
Decl *scope_lookup(const char *name);
Decl *scope_lookup_file(const char *name); /* file scope only */
bool scope_is_typedef(const char *name, size_t len); /* the lexer's query */

#endif /* PARSE_H */
