/*
 * ir.h: the state-machine IR shared by the lowering (lower_*.c), recurse.c,
 * live.c, transitions.c, layout.c and the emitters (emit_c.c, emit_views.c,
 * emit_graph.c).
 *
 * lower_program() turns every async function of the checked AST into an
 * AsyncFunc: its await sites (one state each), the frame slots it needs
 * (parameters, locals that live in the frame, spilled temporaries, child
 * futures) arranged in a tree of Groups that follows the scopes of the
 * source (the layout), and the poll body as a list of Steps.  live.c fills
 * in which states each slot is live in, transitions.c which states can
 * follow each state; layout.c computes offsets and sizes from the oracle;
 * emitters only read.
 *
 * Every frame field has a name unique in its frame (a local keeps its own
 * name, x_2 on a clash within the function; temporaries and children are
 * ac__t3, ac__c5), and nested groups are anonymous C11 structs/unions, so a
 * field is always reached as ac__F->name whatever the nesting.
 */
#ifndef IR_H
#define IR_H

#include "acc.h"
#include "ast.h"

#include <string.h>

/* How generated C spells the state of a finished or dropped frame (ac.h). */
#define DONE_STATE "AC_STATE_DONE"

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
  const char *name;     /* the C field name, unique in the frame; after
                           frame_paths.c, the path to it (ac__g3.t5) */
  const char *field;    /* when name is a path: the field's own name */
  const char *type;     /* its type, usable as __typeof__(type) */
  Decl *decl;           /* SL_PARAM, SL_LOCAL: the source declaration */
  Site *site;           /* SL_CHILD: its await site; SL_TEMP: the
                           combinator site it serves, if one */
  Node *lit;            /* SL_LITERAL: the ND_COMPOUND_LIT */
  AsyncFunc *frame;     /* SL_CHILD, SL_LOCAL: the frame of this TU it
                           holds inline, if it holds one (layout.c takes
                           its size from that frame's layout) */
  Group *group;         /* the struct or union that holds it */
  size_t offset;        /* from the start of the frame (layout.c) */
  size_t size, align;   /* from the oracle; 0 if unknown */
  const char *align_spec; /* SL_LOCAL: the declaration's _Alignas(...) */
  const char *vm_typedef; /* SL_PARAM of a variably modified type: the
                             poll's typedef of it (the field is a void *) */
  const char *ref;      /* how the body names it, if not ac__F->name */
  bool by_memcpy;       /* SL_PARAM: f__init stores it with memcpy, as `=`
                           cannot (a type with const parts) */
  bool cached;          /* SL_PARAM: never changed by the body, so the poll
                           reads it once, at its entry, into ac__p_NAME
                           (its ref): the C compiler then needs no alias
                           walk for each later read */
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
  const char *member;   /* its member name (frame_paths.c), or NULL when it
                           is an anonymous struct or union */
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
  CH_COMBINATOR, /* ac_first / ac_all / ac_within: no child of its own;
                    its branches' children run inline in this state */
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
  const char *done;     /* CH_LEAF: called after ready instead of drop, if
                           set (ac_dyn_done: a finished frame's drop does
                           nothing, only its storage is released; a leaf's
                           NAME_drop_ready, oracle_future_drop_ready) */
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
  /* CH_COMBINATOR (lower_combinator.c): */
  CombKind comb;        /* which form */
  Vec branches;         /* Site*: one per future, in polling order; each
                           is a site of its own kind that is in no state
                           list: its `state` is this one's, its child
                           lives in this site's struct in the frame, its
                           `result` receives its output */
  Slot *mask;           /* ac_all: the branches still running, a bit each */
  Site *parent;         /* a branch: its combinator site */
};

/* A call through an async function pointer (a CH_LEAF site on an ac_dyn_t:
   the callee's frame goes inline in it or on the heap, docs/language.md). */
static inline bool site_is_dyn(const Site *s) {
  return s->kind == CH_LEAF && s->poll && !strcmp(s->poll, "ac_dyn_poll");
}

/* An await of ac_yield_now(): ac_yield_poll is pending at its first poll
   and ready at every one after (ac.h), so the frame, which stops at this
   site only after that first poll, resumes after it without polling the
   yield again (docs/lowering.md §2). */
static inline bool site_resumes_ready(const Site *s) {
  return s->kind == CH_LEAF && s->poll && !strcmp(s->poll, "ac_yield_poll");
}

/* ==== the poll body ==== */

typedef enum StepKind {
  ST_TEXT,   /* C text, already rewritten to ac__F-> */
  ST_LINE,   /* a #line for the .ac line `line` (dropped by --no-line) */
  ST_AWAIT,  /* the await sequence of `site`: init, state, label, poll */
  ST_HOT_EXIT, /* the end of the hot loop `line` (an index of
                  AsyncFunc.hot): where f__poll_cold takes over when that
                  loop ends in f__poll (emit_c.c) */
} StepKind;

struct Step {
  StepKind kind;
  const char *text;
  int line, file;  /* ST_LINE: presumed line, file index (tokmap.h) */
  Site *site;
};

/*
 * A loop whose awaits are all on hand-written futures and which calls
 * nothing else (lower_hot.c): f__poll holds a copy of it, so that resuming
 * at one of its awaits runs the loop in a function with no other code, which
 * the C compiler compiles without saving registers or reloading the frame
 * for the rest of the body.  Everything else runs in f__poll_cold, which
 * f__poll tail-calls (docs/lowering.md §4, "Hot loops").
 */
typedef struct HotLoop {
  int first, last;      /* its steps, [first, last) of AsyncFunc.steps */
  int site_first, site_last; /* its await sites, [first, last) of sites */
} HotLoop;

/* ==== functions and the program ==== */

struct AsyncFunc {
  Node *def;             /* the ND_FUNC_DEF */
  Decl *decl;
  const char *name;      /* prefix of generated names: f for f__frame */
  const char *ret_type;  /* the result type, "void" for none */
  const char *param_text; /* its parameters as written: "int a, const char
                           *s", "void" for none */
  const char *param_init_text; /* f__init's: each size the frame keeps
                                  captured where C evaluates it */
  const char *param_fwd_text; /* of the functions that pass them on to
                                 f__init: no size evaluated (vm_params.c) */
  bool is_void;
  bool is_static;
  bool is_main;          /* async int main: a real main() is emitted */
  bool main_argv;        /* main takes (int argc, char **argv) */
  bool on_cycle;         /* on an async recursion cycle (recurse.c) */
  bool ret_scalar;       /* the result is a number, a pointer or an
                            enumeration, not volatile (the lowering) */
  bool by_value;         /* the body is f__run, which returns the result;
                            f__poll wraps it (poll_value.c) */
  bool now;              /* no await: the body is f__now(params), which an
                            await of the file calls directly; f__poll
                            calls it (poll_value.c) */
  bool needs_new;        /* f__new is used (boxed by some caller) */
  Vec early;             /* AsyncFunc* defined later whose frames must be
                            emitted before this one's (recurse.c) */
  bool emitted;          /* emit_c: frame struct already written */
  int line;              /* .ac line of the definition */
  Vec params;            /* Slot* of the parameters, in order */
  Vec sites;             /* Site*, by state */
  Vec children;          /* Site*: every child future, in order: the await
                            sites, with a combinator's branches in its
                            place (recurse.c and the emitters walk these) */
  Vec slots;             /* Slot*, every field of the frame */
  Vec steps;             /* Step*: the poll body */
  Vec hot;               /* HotLoop*: the loops f__poll holds a copy of */
  Vec *next;             /* per state 0..n+1 (n = sites.len, n + 1 is
                            Done): the states (intptr_t, ascending) that can
                            follow it without another await (transitions.c) */
  Vec hoisted;           /* char*: types hoisted to file scope */
  Vec vm_sizes;          /* VmSize*: the sizes of variably modified
                            parameters that f__init keeps (vm_params.c) */
  Vec notes;             /* char*: layout notes (boxed children, ...) */
  Group *frame;          /* the root group (layout) */
  size_t size, align;    /* the frame's, from layout.c */
};

/* A size in a parameter's declarator that f__init keeps in its frame,
   where C evaluates it (vm_params.c): `[m]` at [begin, end). */
typedef struct VmSize {
  size_t begin, end;
  const char *field;
} VmSize;

/* ==== vm_params.c: parameter lists whose sizes run once, in f__init ==== */
/* The `]` that closes the bracket opening at t[i] (or end), and whether a
   bracket's contents [i, end) are no size (`[]`, only blanks): lowering
   picks the sizes f__init keeps by these, and the parameter lists find
   them again by the same. */
size_t vm_bracket_end(const char *t, size_t i, size_t end);
bool vm_no_size(const char *t, size_t i, size_t end);
/* f__init's parameters, each kept size captured where C evaluates it. */
const char *vm_params_init(Source *src, const AsyncFunc *fn);
/* The parameters of a function that passes them on to f__init (f,
   f__new, f__shim, f__block_on...): no size evaluated. */
const char *vm_params_forward(Source *src, const Decl *f);
const char *vm_param_forward(Source *src, const Decl *p);

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
  Map func_by_decl;      /* the first Decl of each -> its AsyncFunc* */
  Map func_by_def;       /* its ND_FUNC_DEF -> its AsyncFunc* */
  Map func_by_name;      /* its name -> the first AsyncFunc* of that name */
  Vec externs;           /* ExternAsync* */
  Map extern_by_name;    /* name -> ExternAsync* */
  Map proto_params;      /* Decl* of a file-scope async prototype -> its
                            parameters for f and f__shim, which evaluate
                            no size (vm_params.c) */
  bool main_current_thread; /* #pragma acc main(current_thread) */
  Vec cmd_defines;       /* "NAME[=VALUE]" of each -D (prelude_includes.c) */
  Vec user_futures;      /* type, vtable, ...: the hand-written futures the
                            registry names (emit_registry.c) */
  bool user_futures_found;
};

/* ==== asyncptr.c ==== */

/* A token of the preprocessed buffer the output spells otherwise: [off,
   off + len) becomes text. */
typedef struct Rewrite {
  size_t off, len;
  const char *text;
} Rewrite;

/* Collects the rewrites pointers to async functions need: `async` where it
   makes pointers, an async function used as a value naming its shim. */
void asyncptr_collect(Node *tu);
const Rewrite *rewrite_at(size_t off); /* the one starting at off, or NULL */
const Vec *rewrites(void);             /* all, by offset */
/* Whether the async function d is used as a value somewhere in the file
   (so something points to its shim). */
bool asyncptr_is_value(const Decl *d);
/* [begin, end) of the buffer `text` with the rewrites in it applied. */
char *rewrite_text(const char *text, size_t begin, size_t end);

/* ==== recurse.c ==== */

/* Marks AsyncFunc.on_cycle from the async call graph of the TU. */
void recurse_mark(Program *p);

/* ==== the lowering (lower_*.c; lower.h is what they share) ==== */

/* Builds the IR of every async function; errors go through diag.c
   (lower_stmt.c). */
Program *lower_program(Source *src, struct Oracle *o, Node *tu);
/* The async function this TU defines for any declaration of it, or NULL;
   the first one it defines under a name, or NULL (lower_ir.c). */
AsyncFunc *lower_func_of(Program *p, Decl *d);
AsyncFunc *lower_func_named(Program *p, const char *name);

/* ==== poll_value.c ==== */

/* Marks AsyncFunc.by_value and AsyncFunc.now: the functions whose body
   returns the result (after recurse_mark). */
void poll_value_mark(Program *p);

/* ==== frame_paths.c ==== */

/* In frames of many groups, names the groups inside unions and makes every
   field reference a path through them (C compilers search anonymous
   members one by one). */
void frame_paths(Program *p);

/* ==== live.c ==== */

/* Fills Slot.live. */
void live_analyze(Program *p);

/* ==== transitions.c ==== */

/* Fills AsyncFunc.next: the edges of each function's state diagram. */
void transitions_analyze(Program *p);

/* ==== layout.c ==== */

/* Sizes, alignments and offsets of every frame from the oracle (once). */
void layout_program(Program *p);
/* The bytes of the fields live at a state (0 Start, K site K), and the
   largest such set over all states, with its state. */
size_t layout_live_bytes(AsyncFunc *fn, int state);
size_t layout_largest_live(AsyncFunc *fn, int *state);

/* ==== budget.c ==== */

/* --max-frame=N (0: none) and `#pragma acc max_frame(N)`: an error, with
   the largest state's layout, for every frame over its limit.  Measures
   the frames when a limit applies. */
void budget_check(Program *p, size_t max_frame, const char *flag);

/* ==== emit_c.c ==== */

/* The translated C: the .ac text with each async function replaced;
   generated scaffolding is mapped to out_name's own lines.  It goes to
   the file fd as it is made when fd >= 0, else into *out.  0, or the
   errno of a failed write. */
int emit_c(Program *p, const char *out_name, bool no_line, int fd, Str *out);

/* ==== prelude_includes.c ==== */

/* `#include <H>` for each of the NULL-terminated headers, the user's
   macros saved and undefined around them (push_macro/pop_macro). */
void prelude_includes(Program *p, const char *const *headers, Str *out);


/* ==== emit_child.c ==== */

/* How the poll and drop of a site reach its child: `&ac__F->c1`, or `ac__F->c1`
   for a child held through a pointer; and whether the parent frees it. */
const char *emit_child_ref(Site *s);
bool emit_owns_heap(Site *s);

/* ==== emit_combinator.c ==== */

/* The await sequence of a combinator site, and its part of f__drop. */
void emit_combinator_await(Site *s, Str *out);
void emit_combinator_drop(Site *s, Str *out);

/* ==== emit_shim.c ==== */

/* f__shim, what a pointer to the async function f points to: it starts f's
   frame where ac.h's ac__dyn_target says.  Its prototype, and (after f's
   vtable) its definition. */
void emit_shim_proto(const char *name, const char *ret, const char *params,
                     bool is_static, Str *out);
void emit_shim(Program *p, AsyncFunc *fn, Str *out);
/* Whether f (declared by d) needs a shim: exported, or used as a value. */
bool emit_needs_shim(const Decl *d, bool is_static);

/* ==== emit_header.c ==== */

/* --emit=header: the declarations C and other .ac files need; `path` is
   the header's own path (its guard), or NULL. */
void emit_header(Program *p, const char *path, Str *out);

/* ==== emit_registry.c ==== */

/* The vtables of this file's futures by type, for ac.h's ac_spawn. */
void emit_future_registry(Program *p, Str *out);
/* Asks the oracle what the registry needs of it, so that the output can
   be written once the oracle is closed. */
void emit_registry_prepare(Program *p);
/* The first item of the .ac file itself that names an async function (a
   plain function that spawns one, say), or -1: the registry and the
   declarations acc writes must come before it. */
int emit_first_use(Program *p);
/* The boxed future of an async function of another file, and `g(args)`
   that makes one (after the extern declarations of g__new, g__poll). */
void emit_boxed_future(Program *p, ExternAsync *x, Str *out);

/* ==== emit_debug.c: the debug tables (ac.h, "debug metadata") ==== */

/* Declarations of every table the file's tables point at (prelude). */
void emit_debug_prelude(Program *p, Str *out);
/* fn's table, after its vtable; flush(arg) after each of its entries
   may take the finished lines out of `out` (a function with thousands of
   awaits has a table of megabytes). */
void emit_debug_table(Program *p, AsyncFunc *fn, Str *out,
                      void (*flush)(void *), void *arg);
/* f__name, before the vtable of a function with a table: the name its
   vtable and its table share, the link from one to the other (ac.h,
   ac_debug_find); the file's path after a NUL keeps it unique. */
void emit_debug_name(Program *p, AsyncFunc *fn, Str *out);
/* The registration of the file's tables, after the last of them. */
void emit_debug_unit(Program *p, Str *out);
/* Whether fn gets a table (it is defined in the .ac file itself), and
   whether it is the last one that does. */
bool emit_debug_has_table(Program *p, AsyncFunc *fn);
bool emit_debug_is_last(Program *p, AsyncFunc *fn);

/* ==== emit_views.c ==== */

void emit_states(Program *p, Str *out); /* --emit=states */
void emit_layout(Program *p, Str *out); /* --emit=layout */

/* ==== emit_graph.c ==== */

/* The views for tools (after layout_program): */
void emit_dot(Program *p, Str *out);  /* --emit=dot, a Graphviz digraph */
void emit_json(Program *p, Str *out); /* --emit=json, schema in docs/cli.md */

/* ==== emit_names.c: names in the user's words, for the views and the
   debug tables ==== */

/* A state's name in the views: Start, AwaitingHello, ..., Done (state
   n + 1).  The rule is in docs/cli.md, "State numbers and names". */
const char *graph_state_name(AsyncFunc *f, int state);
/* The awaited expression of a site as written, on one line: `hello()`. */
char *graph_await_text(Program *p, Site *site);
/* The same for any expression: a combinator's branch. */
char *graph_node_text(Program *p, Node *e);
/* What a field holds in the user's words: a local's or parameter's source
   name, "value of await g at 14:7", "future of await g at 14:7", ... */
const char *debug_field_name(Program *p, AsyncFunc *fn, Slot *s);
/* Frees what the names of f's states and fields made once for f (a
   function with thousands of awaits has thousands of each): emit_c calls
   it once f's output is written.  A later question makes them again. */
void emit_names_forget(AsyncFunc *f);

#endif /* IR_H */
