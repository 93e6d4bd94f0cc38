/*
 * lower_names.c: the text-renaming layer of the lowering.  Text of the
 * preprocessed buffer is copied in the user's spelling (tokmap_copy) with
 * every name replaced by what its declaration became: a frame local by
 * (ac__F->name), a typedef, tag or enumeration constant hoisted to file
 * scope by its new unique name, a local named in a hoisted type by an
 * expression of its type.  The types the oracle spells are renamed the
 * same way, so that they can declare frame fields at file scope.
 */
#include "lower.h"
#include "tokmap.h"

#include <stdlib.h>
#include <string.h>

/* A hoisted typedef's new name, or NULL. */
static const char *renamed(Lower *L, Decl *d) {
  for (int i = 0; i + 1 < L->renamed.len; i += 2)
    if (L->renamed.items[i] == d)
      return L->renamed.items[i + 1];
  return NULL;
}

/* (ac__F->name) of a slot, made once for all its uses (a large file
   has millions), again only if the slot's name or reference changed. */
typedef struct SlotText {
  const char *name, *ref; /* what it was made from */
  const char *text;
} SlotText;

static const char *slot_text(Slot *s) {
  static Map made; /* Slot* -> SlotText* */
  SlotText *t = map_get(&made, s);
  if (!t) {
    t = xalloc(sizeof *t);
    map_put(&made, s, t);
  }
  if (!t->text || t->name != s->name || t->ref != s->ref) {
    const char *ref = lower_slot_ref(s);
    *t = (SlotText){s->name, s->ref, xformat("(%s)", ref)};
    if (ref != s->ref) /* made for the asking */
      free((char *)ref);
  }
  return t->text;
}

/* What the name of d becomes in the generated code: a frame local
   (ac__F->name), parenthesised so that the text around it keeps its
   meaning (`sizeof x`, a macro's `-a`), if `locals`; a hoisted typedef its
   new name; NULL to keep it. */
static const char *name_subst(Lower *L, Decl *d, bool locals) {
  Slot *s = locals ? lower_slot_of(L, d) : NULL;
  return s ? slot_text(s) : renamed(L, d);
}

static bool is_tag_keyword(const char *p, size_t n) {
  return (n == 6 && !strncmp(p, "struct", 6)) ||
         (n == 5 && !strncmp(p, "union", 5)) ||
         (n == 4 && !strncmp(p, "enum", 4));
}

/* Past `__attribute__((...))` at p (and the white space before it), the
   GNU attributes that may sit between struct and its tag; p itself when
   there is none. */
static const char *skip_attribute(const char *p) {
  const char *q = p;
  while (*q == ' ' || *q == '\n' || *q == '\t')
    q++;
  if (strncmp(q, "__attribute__", 13) || is_ident_char(q[13]))
    return p;
  q += 13;
  int depth = 0;
  do {
    depth += *q == '(';
    depth -= *q == ')';
    q++;
  } while (*q && depth > 0);
  return q;
}

/* The hoisted tag named [p, p + n) that `struct NAME` at offset `at`
   means: defined before it in a block that holds it, the innermost. */
static HoistedTag *tag_at(Lower *L, const char *p, size_t n, size_t at) {
  HoistedTag *best = NULL;
  for (int i = 0; i < L->tags.len; i++) {
    HoistedTag *h = L->tags.items[i];
    if (h->name && strlen(h->name) == n && !strncmp(h->name, p, n) &&
        h->def->begin <= at && h->scope->begin <= at && at < h->scope->end &&
        (!best || h->def->begin > best->def->begin))
      best = h;
  }
  return best;
}

/* The name of the hoisted type declared at `off` (its name, or the
   keyword of an unnamed tag), for the oracle's type printer. */
const char *lower_namer(void *ctx, size_t off) {
  Lower *L = ctx;
  for (int i = 0; i < L->tags.len; i++) {
    HoistedTag *h = L->tags.items[i];
    if (h->name_off == off)
      return h->new_name;
  }
  Decl *d = ast_name_at(off);
  return d && d->kind == DK_TYPEDEF && d->name_off == off ? renamed(L, d)
                                                          : NULL;
}

/* The hoisted unnamed struct, union or enum defined at offset `at`. */
static HoistedTag *unnamed_at(Lower *L, size_t at) {
  for (int i = 0; i < L->tags.len; i++) {
    HoistedTag *h = L->tags.items[i];
    if (!h->name && h->def->begin == at)
      return h;
  }
  return NULL;
}

/* A typeof operand holding an await that starts at offset i. */
static Node *typeof_await_at(Lower *L, size_t i) {
  const Vec *ops = ast_typeof_awaits();
  for (int k = 0; k < ops->len; k++)
    if (((Node *)ops->items[k])->begin == i)
      return ops->items[k];
  (void)L;
  return NULL;
}

/* A sizeof or _Alignof operand holding an await that starts at i. */
static Node *sizeof_await_at(size_t i) {
  const Vec *ops = ast_sizeof_awaits();
  for (int k = 0; k < ops->len; k++)
    if (((Node *)ops->items[k])->begin == i)
      return ops->items[k];
  return NULL;
}

/* What `__typeof__(await f(1))` or `sizeof(await f(1) == 2)` stands for in
   the output: the operand's type, from the oracle (nothing is awaited
   there). */
static const char *typeof_await_type(Lower *L, Node *te) {
  const char *t = lower_oracle_type(L, te->begin, te->end, te->begin);
  if (!t || strchr(t, '<')) {
    error_at(te->begin, "cannot tell the type of this operand");
    return "int";
  }
  return t;
}

/* What a copy of buffer text substitutes, token by token (tokmap_copy). */
typedef struct Names {
  Lower *L;
  bool locals;     /* frame locals become (ac__F->name) */
  bool tag;        /* the last word was struct, union or enum */
  int attr;        /* parentheses open in `struct __attribute__((...))` */
  bool in_attr;
  const Vec *rw;   /* NodeRewrite*, in order, or NULL */
  size_t to;       /* the end of the copy */
  int next_rw;
} Names;

/*
 * A local named in a type hoisted to file scope, where the name does not
 * exist.  A type that is not variably modified can only name a local in
 * an operand that is not evaluated (typeof, sizeof, _Alignof), so an
 * expression of the same type stands for it:
 *   before:  struct acc { __typeof__(total) sum; char tag[sizeof name]; };
 *   after:   struct acc__f { __typeof__((*(__typeof__(long) *)0)) sum;
 *              char tag[sizeof (*(__typeof__(char [8]) *)0)]; };
 */
static const char *local_at_file_scope(Lower *L, Decl *d, size_t at) {
  const char *t = NULL;
  Vec *ps = &L->fn->decl->params;
  for (int i = 0; i < ps->len; i++) /* a parameter has its adjusted type */
    if (ps->items[i] == d)
      t = oracle_type_name_param(L->o, L->fn->decl->name_off, NULL, i,
                                 lower_namer, L);
  if (!t)
    t = oracle_type_name_decl(L->o, d->name_off, lower_namer, L);
  if (!t) {
    error_at(at, "a type declared in an async body names local '%s', whose "
             "type cannot be written at file scope, where acc declares it",
             d->name);
    return d->name;
  }
  bool seen = false;
  for (int i = 0; i < L->hoist_named.len; i++)
    seen |= L->hoist_named.items[i] == d;
  if (!seen)
    vec_push(&L->hoist_named, d);
  return xformat("(*(__typeof__(%s) *)0)", t);
}

/*
 * Each name replaced by what its declaration becomes, found by scope
 * (ast_name_at), not by spelling:
 *   before:  __typeof__(x) a_ = ...;   long vla[n];      (meters) v
 *   after:   __typeof__(ac__F->x_3) ...    long vla[ac__F->n_2]; (meters__f) v
 * Member names, labels and other declarators are no uses and stay.  A tag
 * after struct, union or enum is renamed if it means a hoisted one; an
 * unnamed struct whose definition was hoisted becomes its generated name.
 */
static TokSubst name_token(void *ctx, size_t b, size_t e) {
  Names *nm = ctx;
  Lower *L = nm->L;
  const char *t = L->src->text;
  TokSubst none = {NULL, e};
  if (nm->rw && nm->next_rw < nm->rw->len) {
    NodeRewrite *r = nm->rw->items[nm->next_rw];
    if (r->begin == b) {
      nm->next_rw++;
      nm->tag = false;
      return (TokSubst){r->text, r->end};
    }
  }
  Node *te = typeof_await_at(L, b);
  if (te && te->end <= nm->to) { /* the awaited value's type */
    nm->tag = false;
    return (TokSubst){typeof_await_type(L, te), te->end};
  }
  Node *se = sizeof_await_at(b);
  if (se && se->end <= nm->to) { /* sizeof (TYPE) */
    nm->tag = false;
    return (TokSubst){xformat("(%s)", typeof_await_type(L, se)), se->end};
  }
  const Rewrite *fp = rewrite_at(b); /* async function pointers */
  if (fp && fp->len == e - b) {
    nm->tag = false;
    return (TokSubst){fp->text, e};
  }
  if (nm->in_attr) { /* struct __attribute__((...)) NAME */
    nm->attr += (t[b] == '(') - (t[b] == ')');
    nm->in_attr = nm->attr > 0 || t[b] != ')';
    return none;
  }
  size_t n = e - b;
  if (!is_ident_char(t[b])) {
    nm->tag = false;
    return none;
  }
  if (nm->tag && n >= 11 && !strncmp(t + b, "__attribute", 11)) {
    nm->in_attr = true;
    nm->attr = 0;
    return none;
  }
  HoistedTag *anon = is_tag_keyword(t + b, n) ? unnamed_at(L, b) : NULL;
  if (anon) { /* its definition is hoisted: only its generated name */
    nm->tag = false;
    return (TokSubst){xformat("%.*s %s", (int)n, t + b, anon->new_name),
                      anon->def->end};
  }
  Decl *d = nm->tag || (t[b] >= '0' && t[b] <= '9') ? NULL : ast_name_at(b);
  HoistedTag *h = nm->tag ? tag_at(L, t + b, n, b) : NULL;
  const char *r = h ? h->new_name : d ? name_subst(L, d, nm->locals) : NULL;
  if (!r && d && L->hoisting && d->kind == DK_VAR && d->is_local)
    r = local_at_file_scope(L, d, b);
  nm->tag = is_tag_keyword(t + b, n);
  return (TokSubst){r, e};
}

void lower_copy_range(Lower *L, size_t from, size_t to, Str *out,
                      bool locals, const Vec *rw) {
  Names nm = {.L = L, .locals = locals, .rw = rw, .to = to};
  tokmap_copy(source_map(L->src), L->src, from, to, name_token, &nm, out);
}

static void copy_names(Lower *L, size_t from, size_t to, Str *out,
                       bool locals) {
  lower_copy_range(L, from, to, out, locals, NULL);
}

const char *lower_src(Lower *L, size_t begin, size_t end) {
  Str s = {0};
  if (end > begin)
    copy_names(L, begin, end, &s, false);
  return s.len ? str_cstr(&s) : "";
}

const char *lower_src_locals(Lower *L, size_t begin, size_t end) {
  Str s = {0};
  if (end > begin)
    copy_names(L, begin, end, &s, true);
  return str_cstr(&s);
}

const char *lower_src_hoisted(Lower *L, size_t begin, size_t end) {
  bool saved = L->hoisting;
  L->hoisting = true;
  const char *r = lower_src(L, begin, end);
  L->hoisting = saved;
  return r;
}

/* NAME__f for the first NAME hoisted from f, NAME__f_K for the K-th. */
static const char *unique_name(Lower *L, const char *name, int same) {
  return same ? xformat("%s__%s_%d", name, L->fn->name, same + 1)
              : xformat("%s__%s", name, L->fn->name);
}

/* Renames the constants an enum definition declares along with it: they
   are file-scope names once it is hoisted. */
static void rename_enumerators(Lower *L, Node *def) {
  const char *t = L->src->text;
  for (size_t i = def->begin; i < def->end; i++) {
    Decl *d =
        is_ident_char(t[i]) && !is_ident_char(t[i - 1]) ? ast_name_at(i) : NULL;
    if (d && d->kind == DK_ENUMCONST && d->name_off == i)
      lower_rename_decl(L, d);
  }
}

void lower_rename_decl(Lower *L, Decl *d) {
  int same = 0;
  for (int i = 0; i + 1 < L->renamed.len; i += 2)
    same += !strcmp(((Decl *)L->renamed.items[i])->name, d->name);
  vec_push(&L->renamed, d);
  vec_push(&L->renamed, (char *)unique_name(L, d->name, same));
}

/* The offset of the name a tag definition `struct T { ... }` declares. */
static size_t tag_name_off(Lower *L, Node *def) {
  const char *t = L->src->text;
  size_t i = def->begin;
  while (i < def->end && is_ident_char(t[i]))
    i++; /* struct, union or enum */
  for (const char *a; (a = skip_attribute(t + i)) != t + i;)
    i = (size_t)(a - t);
  while (i < def->end && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t'))
    i++;
  return i;
}

/* The name a tag definition `struct T { ... }` declares, or NULL. */
static const char *defined_tag(Lower *L, Node *def) {
  const char *t = L->src->text;
  size_t i = tag_name_off(L, def), n = 0;
  while (i + n < def->end && is_ident_char(t[i + n]))
    n++;
  return n ? xstrndup(t + i, n) : NULL;
}

/*
 * An unnamed struct, union or enum that declares frame locals gets a tag,
 * so that the frame can name the type and the locals of one declaration
 * share it; copies of the declaration name it by that tag:
 *   before:  struct { long a; } s, t;
 *   after:   struct ac__anon1__f { long a; };      (file scope)
 *            struct ac__anon1__f s_3; struct ac__anon1__f t_4;  (frame)
 */
const char *lower_hoist_unnamed(Lower *L, Node *def) {
  const char *t = L->src->text;
  size_t kw = def->begin;
  while (kw < def->end && is_ident_char(t[kw]))
    kw++;
  for (const char *a; (a = skip_attribute(t + kw)) != t + kw;)
    kw = (size_t)(a - t); /* gcc wants the tag after the attributes */
  if (!strncmp(t + def->begin, "enum", 4))
    rename_enumerators(L, def);
  int n = 1;
  for (int i = 0; i < L->tags.len; i++)
    n += !((HoistedTag *)L->tags.items[i])->name;
  HoistedTag *h = xalloc(sizeof *h);
  h->def = def;
  h->name_off = def->begin;
  h->scope = L->block;
  h->new_name = xformat("ac__anon%d__%s", n, L->fn->name);
  const char *text = xformat("%.*s %s%s;", (int)(kw - def->begin),
                             t + def->begin, h->new_name,
                             lower_src_hoisted(L, kw, def->end));
  vec_push(&L->tags, h);
  return text;
}

bool lower_tag_has_name(Lower *L, Node *def) {
  return defined_tag(L, def) != NULL;
}

bool lower_is_hoisted_unnamed(Lower *L, Node *def) {
  return unnamed_at(L, def->begin) != NULL;
}

void lower_rename_tag(Lower *L, Node *def) {
  if (!strncmp(L->src->text + def->begin, "enum", 4)) /* unnamed ones too */
    rename_enumerators(L, def);
  const char *name = defined_tag(L, def);
  if (!name || !L->block)
    return;
  /* A forward declaration `struct T;` in this block declared the tag
     already: its definition completes that type, under the same name. */
  int same = 0;
  const char *new_name = NULL;
  for (int i = 0; i < L->tags.len; i++) {
    HoistedTag *o = L->tags.items[i];
    if (o->name && !strcmp(o->name, name)) {
      same++;
      if (o->scope == L->block)
        new_name = o->new_name;
    }
  }
  HoistedTag *h = xalloc(sizeof *h);
  h->def = def;
  h->name_off = tag_name_off(L, def);
  h->scope = L->block;
  h->name = name;
  h->new_name = new_name ? new_name : unique_name(L, name, same);
  vec_push(&L->tags, h);
}

/* The hoisted typedef named [p, p + n) whose scope holds offset `at` (the
   innermost: declared last), or NULL. */
static Decl *typedef_at(Lower *L, const char *p, size_t n, size_t at) {
  Decl *best = NULL;
  for (int i = 0; i + 1 < L->renamed.len; i += 2) {
    Decl *d = L->renamed.items[i];
    Node *sc = d->scope;
    if (d->kind == DK_TYPEDEF && strlen(d->name) == n && !strncmp(d->name, p, n) && d->name_off < at &&
        sc && sc->begin <= at && at < sc->end &&
        (!best || d->name_off > best->name_off))
      best = d;
  }
  return best;
}

const char *lower_rename_spelled(Lower *L, const char *t, size_t at) {
  if (!t || (!L->renamed.len && !L->tags.len))
    return t;
  Str s = {0};
  bool tag = false; /* the word follows struct, union or enum */
  for (const char *p = t; *p;) {
    size_t n = 0;
    while (is_ident_char(p[n]))
      n++;
    if (!n) {
      str_add(&s, p++, 1);
      continue;
    }
    if (tag && skip_attribute(p) != p) { /* struct __attribute__((...)) */
      const char *end = skip_attribute(p);
      str_add(&s, p, (size_t)(end - p));
      p = end;
      continue;
    }
    Decl *d = tag ? NULL : typedef_at(L, p, n, at);
    HoistedTag *h = tag ? tag_at(L, p, n, at) : NULL;
    if (d || h)
      str_puts(&s, h ? h->new_name : renamed(L, d));
    else
      str_add(&s, p, n);
    tag = is_tag_keyword(p, n);
    p += n;
  }
  return str_cstr(&s);
}

/* ==== types spelled for file scope ==== */

/* libclang spells GNU typeof as `typeof (...)`, a keyword only in gnu
   modes; the output must compile with -std=c11. */
const char *lower_fix_spelling(const char *t) {
  if (!t || !strstr(t, "typeof ("))
    return t;
  Str s = {0};
  for (const char *p = t; *p;) {
    const char *q = strstr(p, "typeof (");
    if (!q || (q > t && (q[-1] == '_' || (q[-1] >= 'a' && q[-1] <= 'z')))) {
      str_puts(&s, p);
      break;
    }
    str_add(&s, p, (size_t)(q - p));
    str_puts(&s, "__typeof__(");
    p = q + 8;
  }
  return str_cstr(&s);
}

/* The async function of this TU whose future a `__typeof__(g(...))`
   spelling names, or NULL. */
AsyncFunc *lower_typeof_future(Program *p, const char *t) {
  const char *q = t ? strstr(t, "__typeof__(") : NULL;
  if (!q)
    return NULL;
  q += 11;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *g = p->funcs.items[i];
    size_t n = strlen(g->name);
    if (!strncmp(q, g->name, n) && q[n] == '(')
      return g;
  }
  return NULL;
}

/* The oracle's type of [begin, end), spelled so that it can declare a
   frame field at file scope.  A typeof in the spelling would name the
   operand's locals there (`__typeof__(a) a_ = (a);` in a macro), and a
   typedef of the body has another name there, so the canonical type
   stands for either, except for the typeof of a future, which is how the
   source says which function's frame it is. */
const char *lower_oracle_type(Lower *L, size_t begin, size_t end, size_t at) {
  const char *t = lower_fix_spelling(oracle_expr_type(L->o, begin, end));
  if (!t || strchr(t, '<') || lower_typeof_future(L->prog, t))
    return t;
  const char *printed = oracle_type_name_expr(L->o, begin, end, lower_namer, L);
  if (printed)
    return printed;
  const char *r = lower_rename_spelled(L, t, at);
  if (!strstr(t, "__typeof__(") && !strcmp(r, t))
    return t;
  /* A hoisted typedef is named by scope at `begin`, where an inner one
     could hide the one meant; its canonical type has no such doubt, except
     for an unnamed struct, which clang spells by its typedef's name. */
  const char *c = oracle_expr_canonical_type(L->o, begin, end);
  if (c)
    return lower_rename_spelled(L, lower_fix_spelling(c), at);
  /* an unnamed type, spelled by typeof of the expression: at file scope
     only if it names no local */
  for (size_t i = begin; i < end; i++) {
    Decl *d = ast_name_at(i);
    if (d && d->is_local)
      return NULL;
  }
  return r;
}
