/*
 * recurse.c: the async call graph of the translation unit, and where each
 * child frame can live.
 *
 * A parent embeds the frame of every async function it awaits, so the
 * embedding relation must be acyclic and each child's struct must be
 * complete before its parent's.  Two cases make a child a heap frame
 * (f__new, one malloc per await) instead:
 *   - the child can reach the parent in the call graph (async recursion,
 *     direct or mutual): an inline frame would contain itself;
 *   - the child is defined later in the file and its frame uses a type
 *     declared after the parent, so its struct cannot be written early.
 * Otherwise a child defined later has its frame written early, just before
 * the parent's (AsyncFunc.early).
 */
#include "ir.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ==== the strongly connected components of the call graph ==== */

/*
 * f awaits g, so g reaches f (and an inline frame of g would contain f's)
 * exactly when both are in one strongly connected component of the graph
 * whose edges are all child futures (whatever their kind).  Tarjan's
 * algorithm numbers the components once, iteratively (a chain of 64,000
 * functions must not exhaust the C stack): linear in functions + sites.
 */
typedef struct Scc {
  Map index;     /* AsyncFunc* -> its 1-based position in p->funcs */
  int *order;    /* discovery number, 0 = not yet */
  int *low;
  int *comp;     /* the component of each function */
  bool *on_stack;
} Scc;

static int pos_of(Scc *c, AsyncFunc *f) {
  return (int)(intptr_t)map_get(&c->index, f) - 1;
}

/* The next callee of function v from site *next on, or -1. */
static int next_callee(Program *p, Scc *c, int v, int *next) {
  AsyncFunc *f = p->funcs.items[v];
  while (*next < f->children.len) {
    Site *s = f->children.items[(*next)++];
    AsyncFunc *g = lower_func_of(p, s->callee_decl);
    if (g)
      return pos_of(c, g);
  }
  return -1;
}

static void scc_from(Program *p, Scc *c, int root, int *counter, int *ncomp) {
  int n = p->funcs.len;
  int *stack = xalloc(sizeof(int) * (size_t)n), sp = 0;
  int *call = xalloc(sizeof(int) * (size_t)n), *next = xalloc(sizeof(int) * (size_t)n);
  int depth = 0;
  call[depth] = root;
  next[depth] = 0;
  c->order[root] = c->low[root] = ++*counter;
  stack[sp++] = root;
  c->on_stack[root] = true;
  while (depth >= 0) {
    int v = call[depth];
    int w = next_callee(p, c, v, &next[depth]);
    if (w >= 0) {
      if (!c->order[w]) {
        c->order[w] = c->low[w] = ++*counter;
        stack[sp++] = w;
        c->on_stack[w] = true;
        call[++depth] = w;
        next[depth] = 0;
      } else if (c->on_stack[w] && c->order[w] < c->low[v]) {
        c->low[v] = c->order[w];
      }
      continue;
    }
    if (c->low[v] == c->order[v]) {
      int x;
      do {
        x = stack[--sp];
        c->on_stack[x] = false;
        c->comp[x] = *ncomp;
      } while (x != v);
      ++*ncomp;
    }
    if (--depth >= 0 && c->low[v] < c->low[call[depth]])
      c->low[call[depth]] = c->low[v];
  }
  free(stack);
  free(call);
  free(next);
}

static void scc_compute(Program *p, Scc *c) {
  int n = p->funcs.len;
  for (int i = 0; i < n; i++)
    map_put(&c->index, p->funcs.items[i], (void *)(intptr_t)(i + 1));
  c->order = xalloc(sizeof(int) * (size_t)(n + 1));
  c->low = xalloc(sizeof(int) * (size_t)(n + 1));
  c->comp = xalloc(sizeof(int) * (size_t)(n + 1));
  c->on_stack = xalloc(sizeof(bool) * (size_t)(n + 1));
  int counter = 0, ncomp = 0;
  for (int i = 0; i < n; i++)
    if (!c->order[i])
      scc_from(p, c, i, &counter, &ncomp);
}

static void scc_free(Scc *c) {
  map_free(&c->index);
  free(c->order);
  free(c->low);
  free(c->comp);
  free(c->on_stack);
}

/* Does g reach f, f being a function that awaits g? */
static bool on_cycle_with(Scc *c, AsyncFunc *f, AsyncFunc *g) {
  return f == g || c->comp[pos_of(c, f)] == c->comp[pos_of(c, g)];
}

/* ==== can a frame be written earlier? ==== */


/* Every identifier in text, into the set `words` (name -> itself). */
static void add_words(Map *words, const char *text) {
  for (const char *q = text; q && *q;) {
    if (!is_ident_char(*q)) {
      q++;
      continue;
    }
    const char *b = q;
    while (is_ident_char(*q))
      q++;
    if (!(*b >= '0' && *b <= '9')) {
      char *w = xstrndup(b, (size_t)(q - b));
      map_put(words, w, w);
    }
  }
}

typedef struct Place {
  Program *p;
  Scc scc;
  Map type_at;   /* type name -> Vec* of the offsets of the file-scope
                    items declaring it (typedef or tag), ascending */
  Map words;     /* AsyncFunc* -> Map* of the identifiers of its types */
  Map early_ok;  /* for the current caller: AsyncFunc* -> 1 yes, 2 no */
  Map in_early;  /* for the current caller: AsyncFunc* in its early list */
} Place;

static void declares_type(Place *pl, const char *name, size_t at) {
  Vec *v = map_get(&pl->type_at, name);
  if (!v) {
    v = xalloc(sizeof *v);
    map_put(&pl->type_at, name, v);
  }
  vec_push(v, (void *)(uintptr_t)at);
}

/* The names of types (typedefs, tags) each file-scope item declares. */
static void index_types(Place *pl) {
  Source *src = pl->p->src;
  Node *tu = pl->p->tu;
  for (int i = 0; i < tu->args.len; i++) {
    Node *n = tu->args.items[i];
    if (n->kind != ND_DECLARATION && n->kind != ND_FUNC_DEF)
      continue;
    if (n->spec->storage == SC_TYPEDEF)
      for (int j = 0; j < n->decls.len; j++)
        declares_type(pl, ((Decl *)n->decls.items[j])->name, n->begin);
    for (int j = 0; j < n->spec->tags.len; j++) {
      Node *t = n->spec->tags.items[j];
      const char *p = src->text + t->begin;
      while (is_ident_char(*p)) /* struct / union / enum */
        p++;
      while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
      const char *q = p;
      while (is_ident_char(*q))
        q++;
      if (q > p)
        declares_type(pl, xstrndup(p, (size_t)(q - p)), n->begin);
    }
  }
}

/* The identifiers of g's frame types (result, fields, hoisted types). */
static Map *words_of(Place *pl, AsyncFunc *g) {
  Map *w = map_get(&pl->words, g);
  if (w)
    return w;
  w = xalloc(sizeof *w);
  w->strings = true;
  add_words(w, g->ret_type);
  for (int j = 0; j < g->slots.len; j++)
    add_words(w, ((Slot *)g->slots.items[j])->type);
  for (int j = 0; j < g->hoisted.len; j++)
    add_words(w, g->hoisted.items[j]);
  map_put(&pl->words, g, w);
  return w;
}

/* Is a type declared in [from, to) that g's frame uses? */
static bool uses_type_between(Place *pl, AsyncFunc *g, size_t from, size_t to) {
  Map *w = words_of(pl, g);
  for (size_t i = 0; i < w->cap; i++) {
    Vec *at = w->keys[i] ? map_get(&pl->type_at, w->keys[i]) : NULL;
    if (!at)
      continue;
    int lo = 0, hi = at->len; /* the first declaration at or after from */
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if ((size_t)(uintptr_t)at->items[mid] < from)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < at->len && (size_t)(uintptr_t)at->items[lo] < to)
      return true;
  }
  return false;
}

/* Can g's frame (and its later inline children's) go before f's?  No type
   it uses may be declared between f and g.  Inline children form no cycle
   (those on one are boxed first), so the recursion ends; the answer is
   kept per child for the current caller f. */
static bool can_write_early(Place *pl, AsyncFunc *f, AsyncFunc *g) {
  intptr_t known = (intptr_t)map_get(&pl->early_ok, g);
  if (known)
    return known == 1;
  bool ok = !uses_type_between(pl, g, f->def->begin, g->def->begin);
  for (int i = 0; ok && i < g->children.len; i++) {
    Site *s = g->children.items[i];
    AsyncFunc *c = lower_func_of(pl->p, s->callee_decl);
    if (s->kind == CH_FRAME && c && c->def->begin > f->def->begin)
      ok = can_write_early(pl, f, c);
  }
  map_put(&pl->early_ok, g, (void *)(intptr_t)(ok ? 1 : 2));
  return ok;
}

/* g's frame and its later children go before f's, children first. */
static void add_early(Place *pl, AsyncFunc *f, AsyncFunc *g) {
  if (map_get(&pl->in_early, g))
    return;
  map_put(&pl->in_early, g, g);
  for (int i = 0; i < g->children.len; i++) {
    Site *s = g->children.items[i];
    AsyncFunc *c = lower_func_of(pl->p, s->callee_decl);
    if (s->kind == CH_FRAME && c && c->def->begin > f->def->begin)
      add_early(pl, f, c);
  }
  vec_push(&f->early, g);
}

/*   before:  g__init(&ac__F->ac__c1, n - 1);  (g on a cycle with f)
 *   after:   ac__F->ac__c1 = g__new(n - 1);  child type: struct g__frame * */
static void box(AsyncFunc *f, Site *s, AsyncFunc *g, const char *why) {
  s->kind = CH_BOXED;
  s->child->type = xformat("struct %s__frame *", s->callee);
  s->child->frame = NULL;
  s->init = xformat("ac__F->%s = %s__new(%s);", s->child->name, s->callee,
                    s->args ? s->args : "");
  g->needs_new = true;
  vec_push(&f->notes, xformat("%s: %s's frame is boxed (%s)",
                              s->child->name, s->callee, why));
}

/* First pass: children on a cycle with their parent are boxed (or, held
   in a local or a place, reported). */
static void break_cycles(Place *pl, AsyncFunc *f, Site *s) {
  AsyncFunc *g = lower_func_of(pl->p, s->callee_decl);
  if (!g || !on_cycle_with(&pl->scc, f, g))
    return;
  if (s->kind == CH_LOCAL || s->kind == CH_LEAF || s->kind == CH_PLACE)
    error_at(s->await->begin, "a future of '%s' stored in '%s' would "
             "contain itself (async recursion)", g->name, f->name);
  else if (s->kind == CH_FRAME) {
    f->on_cycle = true;
    box(f, s, g, "async recursion");
  }
}

/* Second pass: a child defined later is written early, or boxed. */
static void place_site(Place *pl, AsyncFunc *f, Site *s) {
  AsyncFunc *g = lower_func_of(pl->p, s->callee_decl);
  if (!g || on_cycle_with(&pl->scc, f, g) || g->def->begin <= f->def->begin)
    return;
  if (s->kind == CH_LOCAL || s->kind == CH_LEAF || s->kind == CH_PLACE)
    add_early(pl, f, g);
  else if (s->kind == CH_FRAME) {
    if (can_write_early(pl, f, g))
      add_early(pl, f, g);
    else
      box(f, s, g, "defined later with types declared after the caller");
  }
}

/*
 * A poll on a recursion cycle calls its boxed child's poll, which calls
 * its own: each level is one C frame of the poll, so its size decides how
 * deep a recursion the C stack holds (docs/language.md).  What the poll
 * keeps live across the child's poll is saved in that frame; the context
 * and the out pointer are kept in the future's frame instead, so across
 * the call the poll needs only F:
 *   ac__F->ac__cx = ac__cx;  #define ac__cx ((ac_context_t *)ac__F->ac__cx)
 * (emit_c.c; likewise ac__out).  With f__new and f__drop out of line, a
 * level costs 16 bytes of C stack with gcc -O2 on x86-64 (bench/recursion).
 */
static void add_root_slot(AsyncFunc *f, const char *name) {
  Slot *s = xalloc(sizeof *s);
  s->kind = SL_STATE;
  s->name = name;
  s->type = "void *";
  s->group = f->frame;
  GroupMember *m = xalloc(sizeof *m);
  m->slot = s;
  /* right after the state word */
  vec_push(&f->frame->members, NULL);
  for (int i = f->frame->members.len - 1; i > 1; i--)
    f->frame->members.items[i] = f->frame->members.items[i - 1];
  f->frame->members.items[1] = m;
  vec_push(&f->slots, s);
}

static void recursion_slots(AsyncFunc *f) {
  if (!f->is_void)
    add_root_slot(f, "ac__out");
  add_root_slot(f, "ac__cx");
}

void recurse_mark(Program *p) {
  Place pl = {.p = p};
  pl.type_at.strings = true;
  scc_compute(p, &pl.scc);
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *f = p->funcs.items[i];
    for (int j = 0; j < f->children.len; j++)
      break_cycles(&pl, f, f->children.items[j]);
  }
  index_types(&pl);
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *f = p->funcs.items[i];
    map_free(&pl.early_ok);
    map_free(&pl.in_early);
    for (int j = 0; j < f->children.len; j++)
      place_site(&pl, f, f->children.items[j]);
  }
  for (int i = 0; i < p->funcs.len; i++)
    if (((AsyncFunc *)p->funcs.items[i])->on_cycle)
      recursion_slots(p->funcs.items[i]);
  scc_free(&pl.scc);
}
