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

#include <string.h>

static AsyncFunc *func_of(Program *p, Decl *d) {
  if (!d)
    return NULL;
  Decl *first = d->first ? d->first : d;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    Decl *f = fn->decl->first ? fn->decl->first : fn->decl;
    if (f == first || fn->decl == d)
      return fn;
  }
  return NULL;
}

/* Does `from` reach `to` through awaited (or stored) async children? */
static bool reaches(Program *p, AsyncFunc *from, AsyncFunc *to, Vec *seen) {
  if (from == to)
    return true;
  for (int i = 0; i < seen->len; i++)
    if (seen->items[i] == from)
      return false;
  vec_push(seen, from);
  for (int i = 0; i < from->sites.len; i++) {
    Site *s = from->sites.items[i];
    AsyncFunc *g = func_of(p, s->callee_decl);
    if (g && reaches(p, g, to, seen))
      return true;
  }
  return false;
}

static bool on_cycle_with(Program *p, AsyncFunc *f, AsyncFunc *g) {
  Vec seen = {0};
  return reaches(p, g, f, &seen);
}

/* ==== can a frame be written earlier? ==== */


static bool mentions(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *q = text ? strstr(text, name) : NULL; q;
       q = strstr(q + 1, name))
    if ((q == text || !is_ident_char(q[-1])) && !is_ident_char(q[n]))
      return true;
  return false;
}

/* The names of types (typedefs, tags) a file-scope item declares. */
static void declared_names(Source *src, Node *n, Vec *out) {
  if (n->kind != ND_DECLARATION && n->kind != ND_FUNC_DEF)
    return;
  if (n->spec->storage == SC_TYPEDEF)
    for (int i = 0; i < n->decls.len; i++)
      vec_push(out, (char *)((Decl *)n->decls.items[i])->name);
  for (int i = 0; i < n->spec->tags.len; i++) {
    Node *t = n->spec->tags.items[i];
    const char *p = src->text + t->begin;
    while (is_ident_char(*p)) /* struct / union / enum */
      p++;
    while (*p == ' ' || *p == '\t' || *p == '\n')
      p++;
    const char *q = p;
    while (is_ident_char(*q))
      q++;
    if (q > p)
      vec_push(out, xstrndup(p, (size_t)(q - p)));
  }
}

static bool uses_any(AsyncFunc *g, Vec *names) {
  for (int i = 0; i < names->len; i++) {
    const char *nm = names->items[i];
    if (mentions(g->ret_type, nm))
      return true;
    for (int j = 0; j < g->slots.len; j++)
      if (mentions(((Slot *)g->slots.items[j])->type, nm))
        return true;
    for (int j = 0; j < g->hoisted.len; j++)
      if (mentions(g->hoisted.items[j], nm))
        return true;
  }
  return false;
}

/* Types declared between f's definition and g's. */
static void names_between(Program *p, AsyncFunc *f, AsyncFunc *g, Vec *out) {
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    if (n->begin >= f->def->begin && n->begin < g->def->begin)
      declared_names(p->src, n, out);
  }
}

static bool can_write_early(Program *p, AsyncFunc *f, AsyncFunc *g) {
  Vec names = {0};
  names_between(p, f, g, &names);
  if (uses_any(g, &names))
    return false;
  for (int i = 0; i < g->sites.len; i++) {
    Site *s = g->sites.items[i];
    AsyncFunc *c = func_of(p, s->callee_decl);
    if (s->kind == CH_FRAME && c && c->def->begin > f->def->begin &&
        !can_write_early(p, f, c))
      return false;
  }
  return true;
}

/* g's frame and its later children go before f's, children first. */
static void add_early(Program *p, AsyncFunc *f, AsyncFunc *g) {
  for (int i = 0; i < f->early.len; i++)
    if (f->early.items[i] == g)
      return;
  for (int i = 0; i < g->sites.len; i++) {
    Site *s = g->sites.items[i];
    AsyncFunc *c = func_of(p, s->callee_decl);
    if (s->kind == CH_FRAME && c && c->def->begin > f->def->begin)
      add_early(p, f, c);
  }
  vec_push(&f->early, g);
}

/*   before:  g__init(&F->c1, n - 1);       (g on a cycle with f)
 *   after:   F->c1 = g__new(n - 1);        child type: struct g__frame * */
static void box(AsyncFunc *f, Site *s, AsyncFunc *g, const char *why) {
  s->kind = CH_BOXED;
  s->child->type = xformat("struct %s__frame *", s->callee);
  s->child->frame = NULL;
  s->init = xformat("F->%s = %s__new(%s);", s->child->name, s->callee,
                    s->args ? s->args : "");
  g->needs_new = true;
  vec_push(&f->notes, xformat("c%d: %s's frame is boxed (%s)", s->state,
                              s->callee, why));
}

static void place_site(Program *p, AsyncFunc *f, Site *s) {
  AsyncFunc *g = func_of(p, s->callee_decl);
  if (!g)
    return;
  if (s->kind == CH_LOCAL || s->kind == CH_LEAF || s->kind == CH_PLACE) {
    if (on_cycle_with(p, f, g))
      error_at(s->await->begin, "a future of '%s' stored in '%s' would "
               "contain itself (async recursion)", g->name, f->name);
    else if (g->def->begin > f->def->begin)
      add_early(p, f, g);
    return;
  }
  if (s->kind != CH_FRAME)
    return;
  if (on_cycle_with(p, f, g)) {
    f->on_cycle = true;
    box(f, s, g, "async recursion");
  } else if (g->def->begin > f->def->begin) {
    if (can_write_early(p, f, g))
      add_early(p, f, g);
    else
      box(f, s, g, "defined later with types declared after the caller");
  }
}

void recurse_mark(Program *p) {
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *f = p->funcs.items[i];
    for (int j = 0; j < f->sites.len; j++)
      place_site(p, f, f->sites.items[j]);
  }
}
