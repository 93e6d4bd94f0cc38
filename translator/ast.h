/*
 * ast.h: the syntax tree that grammar/parser.y builds (through ast.c) and
 * that sema, lower and emit read.
 *
 * Every node covers a byte range [begin, end) of the preprocessed buffer
 * (Source.text).  Those offsets are the bridge to everything else: source.c
 * maps them to .ac positions for diagnostics, the sync erasure keeps them
 * unchanged so the libclang oracle answers "what is the type of the
 * expression at [begin, end)", and the emitter copies the user's own text
 * for every subtree that needs no rewriting.  So a node must cover exactly
 * its tokens: from the first byte of its first token to the byte after its
 * last token.  A parenthesized expression has no node of its own: the inner
 * node's range is widened to cover the parentheses (and so is the range
 * of `__extension__ e`, which has no kind).
 *
 * Ordinary identifiers are resolved to their Decl by the parser's scopes
 * (scope.c), since the lowering must know which names are locals of an async
 * function (they move into the frame) and which are not.
 */
#ifndef AST_H
#define AST_H

#include "acc.h"

typedef struct Node Node;
typedef struct Decl Decl;
typedef struct DeclSpec DeclSpec;

typedef enum NodeKind {
  /* ---- expressions (6.5) ---- */
  ND_IDENT,         /* name; decl = its declaration (NULL if undeclared) */
  ND_CONST,         /* integer, floating or character constant */
  ND_STRING,        /* one or more adjacent string literals */
  ND_CALL,          /* lhs(args...) */
  ND_INDEX,         /* lhs[rhs] */
  ND_MEMBER,        /* lhs.name */
  ND_ARROW,         /* lhs->name */
  ND_POSTINC,       /* lhs++ */
  ND_POSTDEC,       /* lhs-- */
  ND_COMPOUND_LIT,  /* (type){init}: type range, init = ND_INIT_LIST */
  ND_PREINC,        /* ++lhs */
  ND_PREDEC,        /* --lhs */
  ND_ADDR,          /* &lhs */
  ND_DEREF,         /* *lhs */
  ND_PLUS,          /* +lhs */
  ND_NEG,           /* -lhs */
  ND_BITNOT,        /* ~lhs */
  ND_NOT,           /* !lhs */
  ND_REAL,          /* __real__ lhs (GNU) */
  ND_IMAG,          /* __imag__ lhs (GNU) */
  ND_SIZEOF_EXPR,   /* sizeof lhs (unevaluated) */
  ND_SIZEOF_TYPE,   /* sizeof(type) */
  ND_ALIGNOF_EXPR,  /* _Alignof/__alignof__ lhs (GNU; unevaluated) */
  ND_ALIGNOF_TYPE,  /* _Alignof(type) */
  ND_AWAIT,         /* await lhs */
  ND_CAST,          /* (type) lhs */
  ND_BINARY,        /* lhs op rhs, op one of * / % + - << >> < > <= >= == != & ^ | */
  ND_LOGAND,        /* lhs && rhs */
  ND_LOGOR,         /* lhs || rhs */
  ND_COND,          /* cond ? then : els; then == NULL for GNU `cond ?: els` */
  ND_ASSIGN,        /* lhs op rhs, op one of = *= /= %= += -= <<= >>= &= ^= |= */
  ND_COMMA,         /* lhs, rhs */
  ND_STMT_EXPR,     /* ({ body }) (GNU) */
  ND_GENERIC,       /* _Generic(lhs, args...): args are ND_GENERIC_ASSOC */
  ND_GENERIC_ASSOC, /* type range (none for default): lhs */
  ND_VA_ARG,        /* __builtin_va_arg(lhs, type) */
  ND_OFFSETOF,      /* __builtin_offsetof(type, designator): the type's
                       range (the designator is copied as written) */
  ND_TYPES_COMPAT,  /* __builtin_types_compatible_p(type, type): the first
                       type's range (both are copied as written) */
  ND_LABEL_ADDR,    /* &&name (GNU) */
  ND_INIT_LIST,     /* { args... }: args are ND_INIT_ITEM */
  ND_INIT_ITEM,     /* designator range (may be empty) = lhs (expr or ND_INIT_LIST);
                       the designator range is in type_begin/type_end */

  /* ---- statements (6.8) ---- */
  ND_BLOCK,         /* { args... }: statements and ND_DECL_STMTs */
  ND_EXPR_STMT,     /* lhs; */
  ND_DECL_STMT,     /* a declaration in a block: spec + decls */
  ND_IF,            /* if (cond) then else els */
  ND_WHILE,         /* while (cond) body */
  ND_DO,            /* do body while (cond); */
  ND_FOR,           /* for (init; cond; inc) body; init is ND_DECL_STMT,
                       ND_EXPR_STMT or NULL; cond, inc may be NULL */
  ND_SWITCH,        /* switch (cond) body; args = its ND_CASE/ND_DEFAULT */
  ND_CASE,          /* case lhs: body, or GNU case lhs ... rhs: body */
  ND_DEFAULT,       /* default: body */
  ND_LABEL,         /* name: body */
  ND_GOTO,          /* goto name; target = the ND_LABEL */
  ND_GOTO_INDIRECT, /* goto *lhs; (GNU) */
  ND_BREAK,         /* break; target = loop or switch */
  ND_CONTINUE,      /* continue; target = loop */
  ND_RETURN,        /* return lhs; (lhs may be NULL) */
  ND_NULL,          /* ; */
  ND_ASM,           /* asm statement: args = its operand expressions */

  /* ---- external definitions (6.9) ---- */
  ND_FUNC_DEF,      /* spec declarator body: decl = the function */
  ND_DECLARATION,   /* a file-scope declaration: spec + decls */
  ND_STATIC_ASSERT, /* _Static_assert(lhs, string); anywhere */
  ND_TOP_ASM,       /* file-scope asm("..."); */
  ND_TRANSLATION_UNIT, /* args = external declarations in order */
} NodeKind;

/* Offsets are 32-bit (acc_translate refuses buffers of 4 GiB or more):
   a large file is mostly its nodes, and the nodes mostly pointers and
   offsets. */
struct Node {
  NodeKind kind;
  uint32_t begin, end; /* byte range in Source.text, exactly its tokens */
  uint32_t op_off;     /* offset of the operator or keyword, for carets */
  uint32_t type_begin, type_end;   /* the type-name range: casts, sizeof,
                                      _Alignof, compound literals, va_arg,
                                      offsetof, generic assocs */
  uint32_t name_off;   /* offset of the name token (`name` below) */
  bool has_await;      /* this subtree contains an ND_AWAIT (set by ast.c) */
  const char *op;      /* ND_BINARY/ND_ASSIGN: the operator as spelled */

  Node *lhs, *rhs;                 /* operands (see each kind above) */
  Node *cond, *then, *els;         /* ND_IF, ND_COND, loops' cond */
  Node *init, *inc, *body;         /* ND_FOR, ND_COMPOUND_LIT init, bodies */
  Vec args;                        /* call arguments, block items, cases,
                                      init items, generic assocs, TU items */

  const char *name;   /* identifier, member, label name */

  Decl *decl;         /* ND_IDENT: resolved declaration; ND_FUNC_DEF: the
                         function */
  DeclSpec *spec;     /* ND_DECL_STMT, ND_DECLARATION, ND_FUNC_DEF */
  Vec decls;          /* ND_DECL_STMT, ND_DECLARATION: Decl* in order */

  Node *target;       /* ND_GOTO -> ND_LABEL; ND_BREAK/ND_CONTINUE -> loop
                         or switch; ND_CASE/ND_DEFAULT -> ND_SWITCH */
  Node *func;         /* the enclosing ND_FUNC_DEF (statements, exprs) */
};

typedef enum DeclKind {
  DK_VAR,       /* object (file scope, local, or parameter) */
  DK_FUNC,      /* function */
  DK_TYPEDEF,   /* typedef name */
  DK_ENUMCONST, /* enumeration constant */
} DeclKind;

typedef enum Storage {
  SC_NONE, SC_TYPEDEF, SC_EXTERN, SC_STATIC, SC_AUTO, SC_REGISTER,
} Storage;

/*
 * The declaration specifiers shared by the declarators of one declaration.
 * `tags` lists the struct/union/enum definitions written inside them (each
 * an ND_NULL node covering `struct T { ... }`), which the lowering must
 * hoist to file scope when a local of that type moves into a frame.
 */
struct DeclSpec {
  size_t begin, end;  /* range of the specifiers themselves */
  Storage storage;
  bool is_thread_local;
  bool is_inline;
  bool is_async;      /* the `async` function specifier */
  size_t async_off;   /* where that `async` is */
  bool declares_func; /* some declarator with it declares a function (else
                         `async` makes pointers to async functions) */
  bool is_const;      /* top-level const among the specifiers */
  Vec tags;           /* Node*: tag definitions inside the specifiers */
  Decl *typedef_name; /* the typedef the specifiers name, if any */
  Node *typeof_expr;  /* the operand of a typeof(expr) specifier: with an
                         async call, `__typeof__(f(0)) x` declares a future
                         (not part of the tree; has_await is not set) */
};

struct Decl {
  DeclKind kind;
  const char *name;     /* NULL for an unnamed parameter */
  size_t name_off;      /* offset of the identifier in the declarator */
  size_t begin, end;    /* the declarator's range, initializer excluded */
  DeclSpec *spec;
  Node *init;           /* initializer: expression or ND_INIT_LIST */
  size_t init_off;      /* offset of the `=` before init */
  bool is_local;        /* declared in a function body or parameter list */
  bool is_param;
  bool is_async;        /* DK_FUNC declared with `async` */
  bool is_vla;          /* declarator has an array whose size is not an
                           integer constant expression (parser's judgement;
                           the oracle confirms) */
  bool spec_vm;         /* a parameter whose specifiers hold its variably
                           modified part (`typeof(int[n]) *a`; lowering's
                           judgement, from the oracle) */
  Vec params;           /* DK_FUNC: Decl* parameters of its declarator */
  bool is_variadic;     /* DK_FUNC: ends with `...` */
  bool is_kr;           /* DK_FUNC: declared with a K&R identifier list */
  bool is_func_type;    /* DK_TYPEDEF: names a function type */
  Decl *frame_of;       /* DK_TYPEDEF: the async function f of the name
                           f__frame that acc declares for its future type */
  Vec kr_names;         /* and its names (const char*), in order */
  Node *def;            /* DK_FUNC: its ND_FUNC_DEF, if this TU has one */
  Decl *first;          /* the first declaration of the same entity
                           (itself for the first one) */
  Decl *next_decl;      /* the next declaration of it (from first on) */
  Node *scope;          /* the ND_BLOCK (or ND_FOR, ND_FUNC_DEF) whose
                           scope holds it; NULL at file scope */
  int id;               /* unique number, for unique generated names */
};

/* ==== ast.c (node builders the parser calls; set ranges and has_await) ==== */

Node *ast_new(NodeKind kind, size_t begin, size_t end);
const char *ast_kind_name(NodeKind kind);
void ast_dump(FILE *out, const Node *node, int depth); /* for tests */

/* The declaration the name at byte offset `off` refers to, resolved by
   scope when it was parsed: every identifier expression (also those inside
   typeof operands and array sizes, which are not in the tree), every
   typedef name used as a type, and the declarator of every typedef and
   enumeration constant.  NULL for any other offset (member names, labels,
   other declarators). */
Decl *ast_name_at(size_t off);

/* ==== combinator.c (acc's select, join and timeout forms) ==== */

typedef enum CombKind {
  CB_NONE,
  CB_FIRST,  /* await ac_first(b0, b1, ...): the index of the first ready */
  CB_ALL,    /* await ac_all(b0, b1, ...): all of them; void */
  CB_WITHIN, /* await ac_within(ms, b): 0, or AC_ETIMEDOUT (b dropped) */
} CombKind;

/* Which form a call is (by the callee's name), CB_NONE for other calls. */
CombKind combinator_kind(const Node *call);
const char *combinator_name(CombKind k);
/* The index of the first branch among the call's arguments (ac_within's
   first argument is its deadline). */
int combinator_first_branch(const Node *call);
/* A branch is a future or `LVALUE op= future`: the future, and the
   lvalue that receives its output (NULL for none). */
Node *combinator_future(Node *branch);
Node *combinator_dest(Node *branch);
/* A struct member declared with a future type (ast_decl.c). */
typedef struct MemberFuture {
  size_t name_off;    /* the member's name */
  const char *name;
  Decl *fn;           /* whose future */
  int level;          /* pointer and array derivations of its declarator */
} MemberFuture;

/* The member declared at offset off if it holds futures, else NULL. */
MemberFuture *ast_member_future_at(size_t off);
MemberFuture *ast_member_future_named(const char *name);
/* Pointer and array derivations of a declarator at the top level of its
   text, -1 for a function or a pointer to one (future_types.c). */
int ast_derivations(size_t begin, size_t name_off, size_t end);
/* Every async function definition (ND_FUNC_DEF), in order. */
const Vec *ast_async_defs(void);
/* The operands of typeof that hold an await: `__typeof__(await f(1))` is
   the type of the awaited value; nothing is awaited there. */
const Vec *ast_typeof_awaits(void);
/* The operands of sizeof and _Alignof that hold an await, the same way
   (assert's expansion repeats its condition in a sizeof); the nodes do not
   count as awaiting (has_await is false). */
const Vec *ast_sizeof_awaits(void);
/* Where the parse met typeof_unqual or __typeof_unqual__ (offsets, as
   uintptr_t), which libclang before 16 does not know (translate.c). */
const Vec *ast_typeof_unqual(void);
/* The async functions whose f__frame and f__vtable names the program
   uses (Decl*). */
const Vec *ast_frame_names(void);
const Vec *ast_vtable_names(void);

/* ==== parse (grammar/parser.y + grammar/lexer.l + scope.c) ==== */

/* Parses the whole preprocessed buffer; reports syntax errors through
   diag.c and returns NULL when there were any. */
Node *parse_translation_unit(Source *src);

#endif /* AST_H */
