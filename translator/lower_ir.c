/*
 * lower_ir.c: the pieces every lowering file builds the IR (ir.h) with,
 * and nothing else: steps and #line markers, frame slots and the groups
 * they are placed in, temporaries of the current full expression, await
 * sites, and the walk over a node's children.  It calls no other lowering
 * file, so that each of them can use it (docs/internals.md §6).
 */
#include "lower.h"
#include "tokmap.h"

#include <string.h>

/* ==== steps ==== */

void lower_emit(Lower *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(&L->cur, fmt, ap);
  va_end(ap);
}

void lower_flush(Lower *L) {
  if (!L->cur.len)
    return;
  Step *st = xalloc(sizeof *st);
  st->kind = ST_TEXT;
  st->text = xstrdup(str_cstr(&L->cur));
  vec_push(&L->fn->steps, st);
  L->cur.len = 0;
}

void lower_line(Lower *L, size_t off) {
  const TokMap *m = source_map(L->src);
  int k = tokmap_find(m, off);
  if (k < 0 || !m->toks[k].main || !m->toks[k].line)
    return;
  bool copied = k > 0 && L->copied_from <= m->toks[k - 1].end &&
                m->toks[k].begin < L->copied_to;
  if (k != L->gap_tok && !copied) { /* the #define or #pragma lines before
                                       it, once */
    L->gap_tok = k;
    const char *d = tokmap_gap_directives(m, L->src, k - 1, k);
    if (*d)
      lower_emit(L, "%s\n", d);
  }
  lower_flush(L);
  Step *st = xalloc(sizeof *st);
  st->kind = ST_LINE;
  st->line = m->toks[k].line;
  st->file = m->toks[k].file;
  vec_push(&L->fn->steps, st);
}

/* ==== slots and groups ==== */

Slot *lower_slot_of(Lower *L, Decl *d) {
  for (int i = 0; i + 1 < L->slot_of.len; i += 2)
    if (L->slot_of.items[i] == d)
      return L->slot_of.items[i + 1];
  return NULL;
}

/* Whether a file-scope typedef of the TU is named `name`: a frame field
   of that name would hide it from the fields after it (clang reads
   `long T; T b;` in one struct so). */
static bool is_typedef_name(Program *p, const char *name) {
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    if (n->kind != ND_DECLARATION || n->spec->storage != SC_TYPEDEF)
      continue;
    for (int j = 0; j < n->decls.len; j++)
      if (!strcmp(((Decl *)n->decls.items[j])->name, name))
        return true;
  }
  return false;
}

/* A frame field's name for a local or parameter: its own name, or
   NAME_2, NAME_3... when the frame has one of that name already (two
   blocks of the function declare an `i`) or a typedef has it.  Names stay
   the same whatever else the headers declare, and the generated fields
   are all `ac__...`. */
const char *lower_field_name(Lower *L, const char *name) {
  const char *cand = name;
  bool type_name = is_typedef_name(L->prog, name);
  for (int k = 2;; k++) {
    bool taken = type_name && cand == name;
    for (int i = 0; i < L->fn->slots.len && !taken; i++)
      taken = !strcmp(((Slot *)L->fn->slots.items[i])->name, cand);
    if (!taken)
      return cand;
    cand = xformat("%s_%d", name, k);
  }
}

Group *lower_new_group(Group *parent, bool is_union, const char *label) {
  Group *g = xalloc(sizeof *g);
  g->is_union = is_union;
  g->label = label;
  g->parent = parent;
  if (parent) {
    GroupMember *m = xalloc(sizeof *m);
    m->group = g;
    vec_push(&parent->members, m);
  }
  return g;
}

Group *lower_inner(Group *g) {
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->group && m->group->is_union)
      return m->group;
  }
  return lower_new_group(g, true, "inner");
}

Slot *lower_new_slot(Lower *L, Group *g, SlotKind kind, const char *name,
                     const char *type) {
  Slot *s = xalloc(sizeof *s);
  s->kind = kind;
  s->name = name;
  s->type = type;
  s->group = g;
  GroupMember *m = xalloc(sizeof *m);
  m->slot = s;
  vec_push(&g->members, m);
  vec_push(&L->fn->slots, s);
  return s;
}

const char *lower_slot_ref(Slot *s) {
  return s->ref ? s->ref : xformat("ac__F->%s", s->name);
}

/* ==== temporaries of the full expression ==== */

/* The group of the current full expression: a struct of its temporaries
   in the union of the enclosing scope. */
Group *lower_expr_group(Lower *L) {
  if (!L->expr)
    L->expr = lower_new_group(lower_inner(L->scope), false, "expression");
  return L->expr;
}

Slot *lower_new_temp(Lower *L, const char *type) {
  char *name = xformat("ac__t%d", ++L->ntemp);
  Slot *s = lower_new_slot(L, lower_expr_group(L), SL_TEMP, name, type);
  s->born = L->fn->sites.len;
  return s;
}

/* Arithmetic and pointer types can be assigned; a struct or union may
   have const members, so everything else is copied with memcpy. */
bool lower_assignable(const char *t) {
  if (!t || strstr(t, "const") || strchr(t, '[') || strchr(t, '('))
    return false;
  if (strchr(t, '*'))
    return true;
  static const char *words[] = {"unsigned", "signed", "int", "long", "short",
                                "char", "float", "double", "_Bool", "bool",
                                "volatile", "size_t", "ssize_t", "ptrdiff_t",
                                "intptr_t", "uintptr_t", "intmax_t",
                                "uintmax_t", NULL};
  for (const char *p = t; *p;) {
    while (*p == ' ')
      p++;
    const char *q = p;
    while (*q && *q != ' ')
      q++;
    bool ok = false;
    for (int i = 0; words[i] && !ok; i++)
      ok = strlen(words[i]) == (size_t)(q - p) && !strncmp(words[i], p, q - p);
    const char *u = *p == 'u' ? p + 1 : p; /* int8_t ... uint64_t */
    ok = ok || (!strncmp(u, "int", 3) && q - p >= 6 && q[-2] == '_' &&
                q[-1] == 't');
    if (!ok && q > p)
      return false;
    p = q;
  }
  return true;
}

/* t = value, by memcpy where `=` is not allowed (const members). */
void lower_store(Lower *L, Slot *t, const char *value) {
  if (lower_assignable(t->type))
    lower_emit(L, "ac__F->%s = (%s);\n", t->name, value);
  else
    lower_emit(L, "{ __typeof__(ac__F->%s) ac__v = (%s);\n__builtin_memcpy((void "
               "*)&ac__F->%s, (const void *)&ac__v, sizeof ac__v); }\n", t->name,
               value, t->name);
}


/* ==== await sites and the functions they call ==== */

Site *lower_new_site(Lower *L, Site *s, Node *aw) {
  s->state = L->fn->sites.len + 1;
  s->await = aw;
  Loc loc = source_loc(L->src, aw->begin);
  s->line = loc.line;
  s->col = loc.col;
  vec_push(&L->fn->sites, s);
  return s;
}

AsyncFunc *lower_func_of(Program *p, Decl *d) {
  if (!d)
    return NULL;
  AsyncFunc *f = map_get(&p->func_by_decl, d->first ? d->first : d);
  /* A block-scope declaration of a function this file defines later
     names that function (the only one of its name with linkage). */
  if (!f && d->kind == DK_FUNC && d->is_local)
    f = map_get(&p->func_by_name, d->name);
  return f;
}

/* The first async function this file defines under `name`, or NULL (a
   Program built by hand, without lower_program's index, is searched). */
AsyncFunc *lower_func_named(Program *p, const char *name) {
  if (!p || !name)
    return NULL;
  if (p->func_by_name.len)
    return map_get(&p->func_by_name, name);
  for (int i = 0; i < p->funcs.len; i++)
    if (!strcmp(((AsyncFunc *)p->funcs.items[i])->name, name))
      return p->funcs.items[i];
  return NULL;
}

/* ==== the AST as the lowering walks it ==== */

static void add_child(Node *c, Node **out, int *n, int max) {
  if (!c || *n >= max)
    return;
  for (int i = 0; i < *n; i++)
    if (out[i] == c)
      return;
  out[(*n)++] = c;
}

int lower_children(Node *n, Node **out, int max) {
  int k = 0;
  add_child(n->lhs, out, &k, max);
  add_child(n->rhs, out, &k, max);
  add_child(n->cond, out, &k, max);
  add_child(n->then, out, &k, max);
  add_child(n->els, out, &k, max);
  add_child(n->init, out, &k, max);
  add_child(n->inc, out, &k, max);
  add_child(n->body, out, &k, max);
  if (n->kind != ND_SWITCH)
    for (int i = 0; i < n->args.len; i++)
      add_child(n->args.items[i], out, &k, max);
  for (int i = 0; i < n->decls.len; i++)
    add_child(((Decl *)n->decls.items[i])->init, out, &k, max);
  for (int i = 1; i < k; i++) /* insertion sort by position */
    for (int j = i; j > 0 && out[j]->begin < out[j - 1]->begin; j--) {
      Node *t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return k;
}

bool lower_is_async_call(Node *e) {
  return e->kind == ND_CALL && e->lhs->kind == ND_IDENT && e->lhs->decl &&
         e->lhs->decl->kind == DK_FUNC &&
         (e->lhs->decl->is_async ||
          (e->lhs->decl->first && e->lhs->decl->first->is_async));
}

