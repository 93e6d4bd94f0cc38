/*
 * ir.h: the state-machine IR shared by recurse.c, lower_stmt.c, lower_expr.c,
 * live.c, layout.c and the emitters (emit_c.c, emit_views.c and the CLI's
 * dot/json views).
 *
 * lower_program() turns every async function of the checked AST into an
 * AsyncFunc: its await sites (one state each), the frame slots it needs
 * (parameters, locals that live in the frame, spilled temporaries, child
 * futures) arranged in a tree of Groups that follows the scopes of the
 * source (the layout), and the poll body as a list of Steps.  live.c fills
 * in which states each slot is live in; layout.c computes offsets and sizes
 * from the oracle; emitters only read.
 *
 * Every frame field has a name unique in its frame (x_12 from Decl.id, t3,
 * c5), and nested groups are anonymous C11 structs/unions, so a field is
 * always reached as F->name whatever the nesting.
 */
#ifndef IR_H
#define IR_H

#include "acc.h"
#include "ast.h"

typedef struct Group Group;
typedef struct Slot Slot;
typedef struct Site Site;
typedef struct Step Step;
typedef struct AsyncFunc AsyncFunc;
typedef struct Program Program;

/* ==== the frame layout ==== */

typedef enum SlotKind {
  SL_STATE,  /* the uint32_t state index */
  SL_PARAM,  /* a parameter (always in the frame) */
  SL_LOCAL,  /* a local whose scope contains an await */
  SL_TEMP,   /* a spilled operand or an await's result */
  SL_CHILD,  /* the child future of an await site (inline or a pointer) */
  SL_LITERAL, /* a compound literal whose block suspends while it lives */
} SlotKind;

/* One field of the frame. */
struct Slot {
  SlotKind kind;
  const char *name;     /* the C field name, unique in the frame */
  const char *type;     /* its type, usable as __typeof__(type) */
  Decl *decl;           /* SL_PARAM, SL_LOCAL: the source declaration */
  Site *site;           /* SL_CHILD: its await site */
  Node *lit;            /* SL_LITERAL: the ND_COMPOUND_LIT */
  Group *group;         /* the struct or union that holds it */
  size_t offset;        /* from the start of the frame (layout.c) */
  size_t size, align;   /* from the oracle; 0 if unknown */
  const char *align_spec; /* SL_LOCAL: the declaration's _Alignas(...) */
  int born;             /* SL_TEMP, SL_LITERAL: number of await sites
                           before it */
  Vec live;             /* states (intptr_t, 1-based) it is live in (live.c) */
};

/*
 * A struct or union inside the frame.  The root is the frame struct; a
 * scope that holds frame locals is a struct of those locals plus a union of
 * what lives inside it (inner scopes, the temporaries and children of each
 * full expression in it).  Members run in declaration order.
 */
struct Group {
  bool is_union;
  const char *label;    /* what it stands for: "scope at 12:3", "expr at 14" */
  Group *parent;
  Vec members;          /* GroupMember* */
  size_t offset, size, align;
};

typedef struct GroupMember {
  Slot *slot;           /* exactly one of slot, group is set */
  Group *group;
} GroupMember;

/* ==== await sites and states ==== */

typedef enum ChildKind {
  CH_FRAME,   /* async function of this TU: its frame inline */
  CH_BOXED,   /* async function of this TU on a cycle: heap frame (f__new) */
  CH_EXTERN,  /* async function only declared here: heap frame (f__new) */
  CH_LEAF,    /* hand-written future (ac_sleep_t, ...): inline by value */
  CH_LOCAL,   /* a local holding a future value: polled where it lives */
  CH_PLACE,   /* another lvalue holding a future (a[i], p->f): polled
                 where it lives, through a pointer in the frame */
} ChildKind;

/* One await site; its state number is its index + 1 (0 is "not started"). */
struct Site {
  int state;            /* 1-based */
  Node *await;          /* the ND_AWAIT */
  int line, col;        /* its .ac position */
  ChildKind kind;
  const char *callee;   /* async function name, or the leaf's type */
  Decl *callee_decl;    /* the async function's declaration, if one */
  const char *poll;     /* the poll function: g__poll, ac_sleep_poll */
  const char *drop;     /* the drop function: g__drop, ac_sleep_drop */
  const char *out_type; /* the output type; "void" for none */
  Slot *child;          /* the frame field of the child (CH_LOCAL: the
                           local's slot) */
  Slot *result;         /* the temporary that receives the output, or NULL */
  Group *group;         /* the group of its full expression */
  const char *init;     /* C statement that starts the child, F-relative */
  const char *args;     /* CH_FRAME/CH_BOXED/CH_EXTERN: the lowered
                           arguments, for boxing */
  const char *cleanup;  /* the cleanup calls of the locals alive here, run
                           when the frame is dropped in this state */
  Vec succ;             /* states (intptr_t) reachable next without another
                           await; 0 means "returns" (approximate under goto) */
};

/* ==== the poll body ==== */

typedef enum StepKind {
  ST_TEXT,   /* C text, already rewritten to F-> */
  ST_LINE,   /* a #line for the .ac line `line` (dropped by --no-line) */
  ST_AWAIT,  /* the await sequence of `site`: init, state, label, poll */
} StepKind;

struct Step {
  StepKind kind;
  const char *text;
  int line;
  Site *site;
};

/* ==== functions and the program ==== */

struct AsyncFunc {
  Node *def;             /* the ND_FUNC_DEF */
  Decl *decl;
  const char *name;      /* prefix of generated names: f for f__frame */
  const char *ret_type;  /* the result type, "void" for none */
  bool is_void;
  bool is_static;
  bool is_main;          /* async int main: a real main() is emitted */
  bool main_argv;        /* main takes (int argc, char **argv) */
  bool on_cycle;         /* on an async recursion cycle (recurse.c) */
  bool needs_new;        /* f__new is used (boxed by some caller) */
  Vec early;             /* AsyncFunc* defined later whose frames must be
                            emitted before this one's (recurse.c) */
  bool emitted;          /* emit_c: frame struct already written */
  int line;              /* .ac line of the definition */
  Vec params;            /* Slot* of the parameters, in order */
  Vec sites;             /* Site*, by state */
  Vec slots;             /* Slot*, every field of the frame */
  Vec steps;             /* Step*: the poll body */
  Vec start_succ;        /* states (intptr_t) reachable first from state 0;
                            0 means "returns without suspending" */
  Vec hoisted;           /* char*: types hoisted to file scope */
  Vec notes;             /* char*: layout notes (boxed children, ...) */
  Group *frame;          /* the root group (layout) */
  size_t size, align;    /* the frame's, from layout.c */
};

/* An async function that this TU declares but does not define. */
typedef struct ExternAsync {
  Decl *decl;
  const char *name;
  const char *ret_type;
  const char *params;    /* the parameter list text, "int" or "void" */
} ExternAsync;

struct Program {
  Source *src;
  const char *const *clang_args; /* for the layout's size queries */
  int nclang_args;
  struct Oracle *oracle;
  Node *tu;
  Vec funcs;             /* AsyncFunc*, in source order */
  Vec externs;           /* ExternAsync* */
  bool main_current_thread; /* #pragma acc main(current_thread) */
};

/* ==== recurse.c ==== */

/* Marks AsyncFunc.on_cycle from the async call graph of the TU. */
void recurse_mark(Program *p);

/* ==== lower_stmt.c / lower_expr.c ==== */

/* Builds the IR of every async function; errors go through diag.c. */
Program *lower_program(Source *src, struct Oracle *o, Node *tu);
/* The result type of a function declaration, without storage or async:
   printed from the oracle's type (lower_ret_type: from the text, for
   when the oracle has no answer). */
const char *lower_result_type(Program *p, Decl *fn);
const char *lower_ret_type(Source *src, Decl *fn);
/* True if a value of this type can be stored with `=` (arithmetic and
   pointers); others are stored with memcpy (const members). */
bool lower_assignable(const char *type);
/* Its parameter list as written: "int a, const char *s" ("void" if none). */
const char *lower_param_text(Source *src, Decl *fn);

/* ==== live.c ==== */

/* Fills Slot.live, Site.succ and AsyncFunc.start_succ (the last two from
   transitions.c). */
void live_analyze(Program *p);

/* ==== layout.c ==== */

/* Sizes, alignments and offsets of every frame from the oracle. */
void layout_program(Program *p);

/* ==== emit_c.c ==== */

/* The translated C: the .ac text with each async function replaced. */
void emit_c(Program *p, bool no_line, Str *out);

/* ==== emit_registry.c ==== */

/* The vtables of this file's futures by type, for ac.h's ac_spawn. */
void emit_future_registry(Program *p, Str *out);

/* ==== emit_views.c ==== */

void emit_states(Program *p, Str *out); /* --emit=states */
void emit_layout(Program *p, Str *out); /* --emit=layout */

#endif /* IR_H */
