/*
 * lower_lit.c: compound literals that must outlive a suspension.
 *
 * A compound literal in a function body is an object with automatic
 * storage associated with its enclosing block (C11 6.5.2.5p5): it lives
 * until that block is left.  Copied as written into the poll function, it
 * would live in the poll function's C stack, which is gone once the task
 * suspends; a pointer into it kept across an await then dangles:
 *   int *p = (int[]){1, 2, 3};  int s = await f();  ... p[1] ...
 * So a literal whose block can suspend while the literal lives gets a
 * field in the frame, placed like a frame local whose declaration stands
 * where the literal is evaluated (its storage shares with what came
 * before it in the block, never with what follows).  Each evaluation
 * initialises the field from a literal of the same type, so members the
 * initializer leaves out are zero, designators, nested braces, strings
 * for char arrays and array sizes taken from the initializer all mean
 * what C says, and a literal in a loop body is fresh on every iteration:
 *   before:  (int[]){1, 2, 3}
 *   after:   (*(__typeof__(ac__F->ac__cl1) *)__builtin_memcpy((void *)&ac__F->ac__cl1,
 *                (const void *)&(int[]){1, 2, 3}, sizeof ac__F->ac__cl1))
 * The value is an lvalue of the literal's type (an array decays as usual).
 * Literals that cannot live across a suspension stay as written.
 */
#include "lower.h"

#include <string.h>

/* A literal that lives in the frame. */
typedef struct FrameLit {
  Node *lit;    /* the ND_COMPOUND_LIT */
  bool early;   /* its block is entered again without being left (a loop
                   head, labels): its slot is made at the block's start */
  Node *block;  /* its enclosing block */
  Slot *slot;   /* NULL until it is first lowered (or reserved) */
} FrameLit;

/* ==== which literals ==== */

static bool is_loop(Node *n) {
  return n->kind == ND_WHILE || n->kind == ND_DO || n->kind == ND_FOR;
}

/* C11 6.8p3, 6.8.4p3, 6.8.5p5: compound statements, selection and
   iteration statements, and the bodies of the latter two are blocks. */
static bool is_block(Node *n) {
  return n->kind == ND_BLOCK || n->kind == ND_IF || n->kind == ND_SWITCH ||
         is_loop(n);
}

static bool is_substatement(Node *n, Node *kid) {
  if (n->kind == ND_IF)
    return kid == n->then || kid == n->els;
  return (n->kind == ND_SWITCH || is_loop(n)) && kid == n->body;
}

static bool has_label(Node *n) {
  if (n->kind == ND_LABEL)
    return true;
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++)
    if (has_label(kids[i]))
      return true;
  return false;
}

/* An await in n that can run after lit is made: one after it in the
   text, or one whose operand contains it (`await g(&(T){1})`: the child
   holds the pointer while it suspends).  The awaits of its own
   initializer run before the literal exists. */
static bool await_after(Node *n, Node *lit) {
  if (!n->has_await || n == lit)
    return false;
  if (n->kind == ND_AWAIT && n->end >= lit->end)
    return true;
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++)
    if (await_after(kids[i], lit))
      return true;
  return false;
}

static void note_literal(Lower *L, Node *lit, Node *block) {
  if (!block->has_await)
    return;
  bool early = is_loop(block) || has_label(block);
  if (!early && !await_after(block, lit))
    return;
  FrameLit *f = xalloc(sizeof *f);
  f->lit = lit;
  f->block = block;
  f->early = early;
  vec_push(&L->lits, f);
}

/* Declarations with static storage keep their initializers as written. */
static bool static_decl(Node *n) {
  return n->kind == ND_DECL_STMT &&
         (n->spec->storage == SC_STATIC || n->spec->storage == SC_EXTERN ||
          n->spec->is_thread_local);
}

static void find(Lower *L, Node *n, Node *block) {
  switch (n->kind) {
  case ND_SIZEOF_EXPR: case ND_ALIGNOF_EXPR: case ND_STATIC_ASSERT:
    return; /* unevaluated */
  case ND_COMPOUND_LIT:
    note_literal(L, n, block);
    break;
  default:
    if (static_decl(n))
      return;
    break;
  }
  if (is_block(n))
    block = n;
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++) {
    if (n->kind == ND_GENERIC && kids[i] == n->lhs)
      continue; /* the controlling expression is not evaluated */
    find(L, kids[i], is_substatement(n, kids[i]) ? kids[i] : block);
  }
}

void lower_find_literals(Lower *L, Node *body) {
  find(L, body, body);
}

static FrameLit *frame_lit(Lower *L, Node *lit) {
  for (int i = 0; i < L->lits.len; i++) {
    FrameLit *f = L->lits.items[i];
    if (f->lit == lit)
      return f;
  }
  return NULL;
}

/* ==== the slot ==== */

/* The type name as written, if a frame field can be declared with it at
   file scope: no size left to the initializer, no local named in it. */
static const char *written_type(Lower *L, Node *lit) {
  const char *t = lower_src(L, lit->type_begin, lit->type_end);
  if (strstr(t, "[]"))
    return NULL;
  for (size_t i = lit->type_begin; i < lit->type_end; i++) {
    Decl *d = ast_name_at(i);
    if (d && d->is_local && d->kind != DK_TYPEDEF)
      return NULL;
  }
  return t;
}

/* The literal's type, as a frame field can be declared with it.  A struct
   defined in the type name is declared again in the frame: another type
   with the same members, which is all a memcpy and `.` need. */
static const char *literal_type(Lower *L, Node *lit) {
  const char *written = written_type(L, lit);
  if (written && strchr(written, '{'))
    return written;
  const char *t = lower_oracle_type(L, lit->begin, lit->end, lit->begin);
  if (t && !strchr(t, '<') && !strstr(t, "(unnamed") &&
      !strstr(t, "(anonymous"))
    return t;
  if (written)
    return written;
  error_at(lit->begin, "this compound literal lives across an await, so it "
           "must be stored in the frame, but its type cannot be named "
           "there; give its struct or union a tag or a typedef");
  return "int";
}

/* The current full expression's group moves inside the literal's struct:
   its operands spilled before the literal and its children (the awaits
   whose operands hold the literal) live beside the literal, not over it. */
static void adopt_expr(Lower *L, Group *from, Group *g) {
  if (!L->expr || L->expr->parent != from)
    return;
  for (int i = 0; i < from->members.len; i++) {
    GroupMember *m = from->members.items[i];
    if (m->group != L->expr)
      continue;
    memmove(&from->members.items[i], &from->members.items[i + 1],
            (size_t)(from->members.len - i - 1) * sizeof(void *));
    from->members.len--;
    Group *inner = lower_inner(g);
    vec_push(&inner->members, m);
    L->expr->parent = inner;
    return;
  }
}

/*
 * Its storage starts where it is made, as a frame local's does:
 *   struct { <type> cl1; union { <what follows in the block> }; }
 * in the union of the current scope, which is left at the end of the
 * enclosing block (for a literal in an `if` or `switch` head: a little
 * later than C requires, never earlier).
 */
static Slot *new_literal_slot(Lower *L, FrameLit *f) {
  Node *lit = f->lit;
  Loc loc = source_loc(L->src, lit->begin);
  Group *from = lower_inner(L->scope);
  Group *g = lower_new_group(from, false,
                             xformat("compound literal at %d:%d and after",
                                     loc.line, loc.col));
  Slot *s = lower_new_slot(L, g, SL_LITERAL, xformat("ac__cl%d", ++L->nlit),
                           literal_type(L, lit));
  s->lit = lit;
  s->born = L->fn->sites.len;
  adopt_expr(L, from, g);
  L->scope = g;
  return s;
}

void lower_reserve_literals(Lower *L, Node *s) {
  for (int i = 0; i < L->lits.len; i++) {
    FrameLit *f = L->lits.items[i];
    if (f->block == s && f->early && !f->slot)
      f->slot = new_literal_slot(L, f);
  }
}

const char *lower_literal(Lower *L, Node *lit, const char *text) {
  FrameLit *f = frame_lit(L, lit);
  if (!f)
    return text;
  if (!f->slot)
    f->slot = new_literal_slot(L, f);
  const char *n = f->slot->name;
  return xformat("(*(__typeof__(ac__F->%s) *)__builtin_memcpy((void *)&ac__F->%s, "
                 "(const void *)&%s, sizeof ac__F->%s))", n, n, text, n);
}
