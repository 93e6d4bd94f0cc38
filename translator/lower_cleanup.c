/*
 * lower_cleanup.c: `__attribute__((cleanup(fn)))` on frame locals.
 *
 * gcc calls fn(&x) whenever x goes out of scope: at the end of its block,
 * and on a break, continue, goto or return that leaves the block.  A frame
 * local is a field, not a C local, so the lowering writes those calls
 * itself, innermost scope first and in reverse order of declaration:
 *
 *   before:  { struct buf b __attribute__((cleanup(release))) = make();
 *              if (await f(&b)) return 1;  ... }
 *   after:   { ac__F->b = make();  <await f(&ac__F->b) into ac__F->ac__t1>
 *              if (ac__F->ac__t1) { *ac__out = (1); release(&ac__F->b);
 *                           ac__F->ac__state = DONE; return AC_POLL_READY; }
 *              ...  release(&ac__F->b); }
 *
 * And when the future is dropped while suspended, the locals whose
 * declaration the await follows in its enclosing scopes are still alive:
 * the frame's drop calls their cleanups after dropping the child of that
 * state (Site.cleanup).  A local is registered once its initializer has
 * run, so a drop during an await of its own initializer does not clean it.
 *
 * Jumping into the scope of such a local is an error of the erasure
 * (clang's), so every local of the open scopes that the lowering has seen
 * so far is initialised wherever control is.
 */
#define _GNU_SOURCE /* memmem */
#include "lower.h"

#include <string.h>

typedef struct CleanupVar {
  Slot *slot;
  const char *fn;   /* the cleanup function as written */
  size_t at;        /* the offset of its declaration */
} CleanupVar;

typedef struct CleanupScope {
  Node *node;       /* the block, for statement or statement expression */
  Vec vars;         /* CleanupVar*, in order of declaration */
} CleanupScope;

/* Whether the declaration statement d declares a local with a cleanup. */
static bool declares_cleanup(Lower *L, Node *d) {
  if (!memmem(L->src->text + d->begin, d->end - d->begin, "cleanup", 7))
    return false;
  for (int i = 0; i < d->decls.len; i++) {
    Vec attrs = {0};
    lower_decl_attrs(L, d->decls.items[i], &attrs);
    if (lower_attr_args(&attrs, "cleanup"))
      return true;
  }
  return false;
}

/* Marks n if it holds such a declaration (returns whether it does). */
static bool find(Lower *L, Node *n) {
  if (!n)
    return false;
  bool found = n->kind == ND_DECL_STMT && declares_cleanup(L, n);
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++)
    found |= find(L, kids[i]);
  if (n->kind == ND_FOR && n->init)
    found |= find(L, n->init);
  if (found)
    vec_push(&L->with_cleanup, n);
  return found;
}

void lower_find_cleanups(Lower *L, Node *body) { find(L, body); }

bool lower_has_cleanup(Lower *L, Node *s) {
  for (int i = 0; i < L->with_cleanup.len; i++)
    if (L->with_cleanup.items[i] == s)
      return true;
  return false;
}

void lower_cleanup_open(Lower *L, Node *scope) {
  CleanupScope *s = xalloc(sizeof *s);
  s->node = scope;
  vec_push(&L->cleanups, s);
}

static void calls(CleanupScope *s, Str *out) {
  for (int i = s->vars.len - 1; i >= 0; i--) {
    CleanupVar *v = s->vars.items[i];
    str_printf(out, "%s(&ac__F->%s);\n", v->fn, v->slot->name);
  }
}

void lower_cleanup_close(Lower *L) {
  CleanupScope *s = L->cleanups.items[--L->cleanups.len];
  Str out = {0};
  calls(s, &out);
  if (out.len)
    lower_emit(L, "%s", str_cstr(&out));
}

void lower_cleanup_add(Lower *L, Decl *d, Slot *slot, const char *args) {
  /* args is "(fn)" as written, maybe with blanks */
  const char *p = args + 1;
  while (*p == ' ' || *p == '\t' || *p == '\n')
    p++;
  size_t n = strlen(p);
  while (n && (p[n - 1] == ')' || p[n - 1] == ' ' || p[n - 1] == '\t' ||
               p[n - 1] == '\n'))
    n--;
  CleanupVar *v = xalloc(sizeof *v);
  v->slot = slot;
  v->fn = xstrndup(p, n);
  v->at = d->name_off;
  if (L->cleanups.len)
    vec_push(&((CleanupScope *)L->cleanups.items[L->cleanups.len - 1])->vars,
             v);
}

/* Whether a jump to offset t from inside s leaves the scope of v: t is
   outside s, or before v's declaration. */
static bool leaves(CleanupScope *s, CleanupVar *v, size_t t) {
  return t < s->node->begin || t >= s->node->end || t < v->at;
}

const char *lower_cleanup_jump(Lower *L, Node *jump) {
  Str out = {0};
  Node *target = jump->target;
  for (int i = L->cleanups.len - 1; i >= 0; i--) {
    CleanupScope *s = L->cleanups.items[i];
    for (int j = s->vars.len - 1; j >= 0; j--) {
      CleanupVar *v = s->vars.items[j];
      bool run;
      switch (jump->kind) {
      case ND_RETURN:
        run = true;
        break;
      case ND_BREAK: case ND_CONTINUE: /* scopes inside the loop */
        run = target && s->node != target && s->node->begin >= target->begin &&
              s->node->end <= target->end;
        break;
      case ND_GOTO:
        run = target && leaves(s, v, target->begin);
        break;
      default:
        run = false;
      }
      if (run)
        str_printf(&out, "%s(&ac__F->%s);\n", v->fn, v->slot->name);
    }
  }
  return out.len ? str_cstr(&out) : NULL;
}

const char *lower_cleanup_live(Lower *L) {
  Str out = {0};
  for (int i = L->cleanups.len - 1; i >= 0; i--)
    calls(L->cleanups.items[i], &out);
  return out.len ? str_cstr(&out) : NULL;
}
