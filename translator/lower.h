/*
 * lower.h: what the lowering files (lower_*.c) share while they turn one
 * async function into its IR (ir.h).  Nothing outside them includes it;
 * what other passes call is in ir.h.  The files are in layers, each
 * calling only those above it in this header (docs/internals.md §6):
 * lower_ir.c builds the IR, lower_names.c copies text with names renamed,
 * lower_types.c gives declarations their types; lower_attr.c,
 * lower_lit.c and lower_cleanup.c the attributes, compound literals and
 * cleanups; lower_copy.c copies await-free code; lower_hot.c picks the
 * loops f__poll holds a copy of; and lower_expr.c and
 * lower_stmt.c, which call each other (a statement expression holds
 * statements), lower what awaits.
 *
 * The lowering walks the body once, in source order.  Statements free of
 * awaits are copied as the user's text with three substitutions (frame
 * locals become ac__F->name, `return` becomes "store the result, finish", and
 * `continue` of a rewritten loop becomes a goto); statements with awaits
 * are rebuilt around the await sequences.  Output goes to Steps.
 */
#ifndef LOWER_H
#define LOWER_H

#include "ast.h"
#include "ir.h"
#include "oracle.h"

/* A struct, union or enum definition hoisted to file scope, renamed. */
typedef struct HoistedTag {
  Node *def;            /* the ND_NULL covering `struct T { ... }` */
  Node *scope;          /* the block (or for) it is declared in */
  const char *name;     /* T; NULL for an unnamed one (lower_hoist_unnamed) */
  const char *new_name; /* T__f, T__f_2 for the second T of f */
  size_t name_off;      /* where its declaration names it (the keyword of
                           an unnamed one): the oracle's key for it */
} HoistedTag;

typedef struct Lower {
  Program *prog;
  AsyncFunc *fn;
  Source *src;
  Oracle *o;
  Group *scope;      /* the group of the innermost frame scope */
  Group *expr;       /* the group of the full expression being lowered */
  Vec slot_of;       /* Decl* , Slot* pairs: frame-resident declarations */
  Vec cont;          /* Node* loop, char* label pairs: rewritten continues */
  Vec renamed;       /* Decl*, char* pairs: hoisted typedefs, new names */
  Vec tags;          /* HoistedTag*: hoisted tag definitions */
  Vec lits;          /* FrameLit*: compound literals stored in the frame */
  Vec cleanups;      /* the open scopes' locals with a cleanup attribute
                        (lower_cleanup.c), innermost scope last */
  Vec with_cleanup;  /* Node*: statements that declare such locals */
  Node *block;       /* the innermost block (or for) being lowered */
  int gap_tok;       /* the token whose preceding directives lower_line
                        wrote last */
  bool spill_all;    /* spill every operand that is not constant: a later
                        branch of a combinator awaits before it starts */
  size_t copied_from, copied_to; /* the buffer range of the statement last
                        copied whole: its directives are in the copy */
  Str cur;           /* text not yet flushed into a Step */
  int ntemp, nlabel, nlit;
  bool hoisting;     /* copying a type to file scope: locals named in it
                        stand for expressions of their types */
  Vec hoist_named;   /* Decl*: the locals such a type named, still to be
                        marked used in the body (lower_stmt.c) */
  bool in_hot;       /* lowering a loop that may become hot (lower_hot.c) */
  int in_hot_children; /* the children that loop's awaits start from */
  int hot_decls;     /* the body declares only automatic objects: 1 yes,
                        -1 no, 0 not known yet (lower_hot.c) */
} Lower;

/* ==== lower_ir.c: building the IR ==== */

void lower_emit(Lower *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lower_flush(Lower *L);
/* A #line for the .ac line of offset off, if it is in the main file. */
void lower_line(Lower *L, size_t off);
Slot *lower_slot_of(Lower *L, Decl *d);
/* How the body names a frame slot: ac__F->name, or its own expression. */
const char *lower_slot_ref(Slot *s);
/* The frame field name of a local or parameter named `name`. */
const char *lower_field_name(Lower *L, const char *name);
Slot *lower_new_slot(Lower *L, Group *g, SlotKind kind, const char *name,
                     const char *type);
Group *lower_new_group(Group *parent, bool is_union, const char *label);
/* The union inside g where inner scopes and expressions go. */
Group *lower_inner(Group *g);
/* The group of the current full expression, a temporary in it, and a
   store into one (by memcpy where `=` is not allowed). */
Group *lower_expr_group(Lower *L);
Slot *lower_new_temp(Lower *L, const char *type);
void lower_store(Lower *L, Slot *t, const char *value);
/* Numbers site s (its state) for the await aw and lists it. */
Site *lower_new_site(Lower *L, Site *s, Node *aw);
/* The children of a node, in source order; returns their count. */
int lower_children(Node *n, Node **out, int max);
/* A call of an async function (not awaited: it makes a future). */
bool lower_is_async_call(Node *e);
/* True if a value of this type can be stored with `=` (arithmetic and
   pointers); others are stored with memcpy (const members). */
bool lower_assignable(const char *type);

/* ==== lower_names.c: text with names renamed ==== */

/* A node rewritten inside a copy: its range and its text. */
typedef struct NodeRewrite {
  size_t begin, end;
  const char *text;
} NodeRewrite;

/* Copies [from, to) of the buffer in the user's spelling (tokmap_copy),
   names substituted (frame locals too if `locals`), and the nodes of `rw`
   (NodeRewrite*, in order; or NULL) rewritten. */
void lower_copy_range(Lower *L, size_t from, size_t to, Str *out,
                      bool locals, const Vec *rw);
/* Text of [begin, end) of the preprocessed buffer, hoisted typedefs
   renamed. */
const char *lower_src(Lower *L, size_t begin, size_t end);
/* The same with frame locals renamed as in the body (ac__F->x_3). */
const char *lower_src_locals(Lower *L, size_t begin, size_t end);
/* The same for a type hoisted to file scope: a local it names (in
   typeof, sizeof) becomes an expression of its type valid there. */
const char *lower_src_hoisted(Lower *L, size_t begin, size_t end);
/* Gives a typedef (or an enumeration constant) hoisted to file scope a
   name unique there (NAME__f, NAME__f_2 for the second of that name in f);
   lower_src and lower_copy write it for every use of it from then on. */
void lower_rename_decl(Lower *L, Decl *d);
/* Likewise for a struct, union or enum definition hoisted to file scope
   from the current block: every `struct T` that means it is renamed. */
void lower_rename_tag(Lower *L, Node *def);
/* The file-scope definition of an unnamed struct, union or enum of frame
   locals, under a generated tag that copies of its declaration use. */
const char *lower_hoist_unnamed(Lower *L, Node *def);
bool lower_is_hoisted_unnamed(Lower *L, Node *def);
bool lower_tag_has_name(Lower *L, Node *def);
/* A type spelled by the oracle for an expression at offset `at`, with the
   hoisted typedefs and tags visible there renamed. */
const char *lower_rename_spelled(Lower *L, const char *t, size_t at);
/* OracleNamer for this function's hoisted types. */
const char *lower_namer(void *ctx, size_t off);
const char *lower_fix_spelling(const char *t);
AsyncFunc *lower_typeof_future(Program *p, const char *t);
/* The oracle's type of [begin, end) usable at file scope; hoisted names
   are resolved as seen from offset `at`. */
const char *lower_oracle_type(Lower *L, size_t begin, size_t end, size_t at);

/* ==== lower_types.c: types of declarations ==== */

const char *lower_type_of_decl(Lower *L, Decl *d);
/* The result type of a function declaration, without storage or async:
   printed from the oracle's type (lower_ret_type: from the text, for
   when the oracle has no answer). */
const char *lower_result_type(Program *p, Decl *fn);
const char *lower_ret_type(Source *src, Decl *fn);
/* Its parameter list as written: "int a, const char *s" ("void" if none). */
const char *lower_param_text(Source *src, Decl *fn);
/* The specifiers' text without storage classes, async and inline. */
const char *lower_type_words(const char *text);
/* An array type as a value: "T [N]" -> "T *", "T [N][M]" -> "T (*)[M]". */
const char *lower_decay(const char *t);
bool lower_is_void_params(Source *src, Decl *fn);
/* Records an async function declared here but defined in another TU (a
   file-scope or block-scope prototype). */
void lower_add_extern(Program *p, Decl *d);

/* ==== lower_attr.c ==== */

/* The GNU attributes that apply to the object d declares ("aligned(64)",
   "cleanup(release)": names without their underscores), appended to out. */
void lower_decl_attrs(Lower *L, Decl *d, Vec *out);
/* The argument text of attribute `name` ("(64)", "" without arguments),
   NULL if attrs lacks it. */
const char *lower_attr_args(Vec *attrs, const char *name);
/* What a frame field needs to keep d's alignment: its `_Alignas(...)`
   and `__attribute__((aligned(...)))`, or NULL. */
const char *lower_align_spec(Lower *L, Decl *d, Vec *attrs);

/* ==== lower_lit.c ==== */

/* Finds the compound literals of the body that must live in the frame:
   those whose enclosing block can suspend while they live. */
void lower_find_literals(Lower *L, Node *body);
/* The text of a compound literal: `text` as it is if it stays on the
   poll function's stack, else an lvalue of its frame slot, initialised
   from `text`. */
const char *lower_literal(Lower *L, Node *lit, const char *text);
/* Gives the literals whose block is s (a loop, or a block with labels
   that goto may jump back to) their slots before any of s is lowered, so
   that nothing lowered in s shares storage with them. */
void lower_reserve_literals(Lower *L, Node *s);

/* ==== lower_cleanup.c ==== */

/* Finds the statements of the body that declare (or hold one that
   declares) a local with a cleanup attribute: they are lowered, not
   copied, even without an await, so that every such local is a frame
   local whose cleanups acc places (C's own, for a local of a copied block,
   would run after acc's for the outer ones on a jump out of both). */
void lower_find_cleanups(Lower *L, Node *body);
bool lower_has_cleanup(Lower *L, Node *s);
/* A block, for statement or statement expression body opens a scope for
   cleanups; closing it writes the cleanup calls of its end. */
void lower_cleanup_open(Lower *L, Node *scope);
void lower_cleanup_close(Lower *L);
/* Frame local d (its slot) has __attribute__((cleanup`args`)); its
   initializer has run. */
void lower_cleanup_add(Lower *L, Decl *d, Slot *slot, const char *args);
/* The cleanup calls a break, continue, goto or return runs before it
   jumps (NULL for none). */
const char *lower_cleanup_jump(Lower *L, Node *jump);
/* The cleanup calls of every local alive here, innermost first (NULL for
   none): what a return runs, and what dropping the frame at an await
   site here runs. */
const char *lower_cleanup_live(Lower *L);

/* ==== lower_copy.c: await-free code as written ==== */

/* Appends n's text to out with the substitutions (n has no await). */
void lower_copy(Lower *L, Node *n, Str *out);
/* The same as a new string, the caller's to free. */
char *lower_copy_text(Lower *L, Node *n);
/* lower_emit of before, n's copy and after, keeping no copy: most of
   what the lowering copies is moved into a step at once, and for 8,000
   functions the copies left behind were megabytes. */
void lower_emit_copy(Lower *L, const char *before, Node *n,
                     const char *after);
/* The text of a node that is not copied as written (a return, a jump, a
   compound literal), or NULL; and the rewrites of n's descendants, in
   source order (NodeRewrite*). */
const char *lower_rewrite(Lower *L, Node *n);
void lower_find_rewrites(Lower *L, Node *n, Vec *rw);
/* The return sequence for an optional already-lowered value. */
const char *lower_return_text(Lower *L, const char *value);
/* The statement prev can fall into the case label `label` next to it. */
bool lower_falls_into(Node *prev, Node *label);

/* ==== lower_combinator.c: the state of a combinator ==== */

/* `await ac_first(...)`, `ac_all(...)`, `ac_within(...)` (combinator.c)
   is one state whose branches run inline.  lower_expr.c lowers its
   operands between these calls: open makes the combinator's site and
   the struct g of its branches; each branch's site is made (branch), its
   child lowered (lower_child), and then added; ac_within's deadline
   comes last; close makes the outputs and the await step and returns
   the await's value. */
Site *lower_combinator_open(Lower *L, Node *aw, Group **g);
Site *lower_combinator_branch(Lower *L, Site *c, Node *arg, Group *g);
void lower_combinator_add(Lower *L, Site *c, Site *b);
void lower_combinator_deadline(Lower *L, Site *c, Group *g, const char *ms);
const char *lower_combinator_close(Lower *L, Site *c, Group *g);

/* ==== lower_hot.c: loops f__poll holds a copy of ==== */

/* Around the lowering of a loop that awaits: whether it may be hot (then
   h is started), and, after it, keeps it in AsyncFunc.hot with the
   ST_HOT_EXIT step after it if its awaits fit. */
bool lower_hot_begin(Lower *L, Node *loop, HotLoop *h);
void lower_hot_end(Lower *L, HotLoop *h);

/* ==== lower_expr.c ==== */

/* Lowers an expression; the steps it needs are emitted first, and the text
   returned computes its value afterwards. */
const char *lower_expr(Lower *L, Node *e);
/* A statement expression whose body awaits: its statements run in place;
   returns its value's text, "((void)0)" for none or when !want_value. */
const char *lower_stmt_expr(Lower *L, Node *e, bool want_value);
/* The child of site s for the future e (an await's operand, or a branch
   of a combinator: s->parent set, s->group the combinator's struct), and
   its output type; false after an error. */
bool lower_child(Lower *L, Site *s, Node *e);

/* ==== lower_stmt.c ==== */

/* Lowers one statement of the body (also those of a statement expression
   whose body awaits, which run in place in the enclosing statement). */
void lower_stmt(Lower *L, Node *s);

#endif /* LOWER_H */
