/*
 * oracle.c: the only libclang user.  The sync erasure of the preprocessed
 * buffer (erase.c) is parsed in memory as a C file; since it has the same
 * bytes as our buffer apart from the erased keywords, a node's [begin, end)
 * is also the extent of the clang cursor for the same expression.
 *
 * On open, the top-level cursors are listed once: those of the .ac file's
 * own declarations (not the headers') by extent, and the functions of
 * every file by name for oracle_future_info.  The first query inside one of
 * the .ac file's declarations walks that declaration: every expression is
 * indexed by its extent and every declaration by the offset of its name, so
 * each query is a hash lookup, and the plain code nobody asks about (most of
 * a large file) is never walked.  Where several cursors share an extent (an
 * implicit conversion wraps its operand with the same extent), the
 * outermost exposed one wins: that is the expression as written.
 *
 * The plain erasure of `await E` is E, which is right when E calls an async
 * function (its C return type is the await's type) but not when E is a
 * hand-written future such as `my_leaf()` of type my_leaf_t: the erasure
 * would use a my_leaf_t where the program uses its output.  So each such
 * await is rewritten as `((void)(E), *(OUT *)0)` (or `((void)(E))` for a
 * void output).  Where the declarations say it -- E calls a function
 * declared `T_t f(...)` and `T_poll(.., .., OUT *)` and `T_drop` are
 * declared, as for every leaf of ac.h -- the rewrite is planned before the
 * first parse; the others are found by the types of a first parse, and the
 * buffer is parsed again (a parse costs as much as compiling the file).  The
 * rewrite inserts text, so offsets go through an edit list: every cursor's
 * extent is mapped back to original offsets before it is indexed, and so
 * is every diagnostic location.
 *
 * libclang's errors on the erasure are the user's errors: they are reported
 * through diag.c at the .ac position of the same offset.  The buffer keeps
 * its linemarkers, so clang's presumed locations and ours agree; warnings
 * are left to the C compiler that will see the generated code.
 */
#include "oracle.h"
#include "oracle_cx.h"
#include "parse.h"

#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

typedef struct Slot {
  uint64_t key;   /* 0 = empty */
  uint32_t at;    /* its cursor in Table.cursors */
} Slot;

/* The cursors themselves (32 bytes each) are kept in order of insertion,
   so that the free slots of the hash table cost 16 bytes, not 40: a large
   file has millions of expressions. */
typedef struct Table {
  Slot *slots;
  size_t cap, used;
  CXCursor *cursors;
  size_t capcursors;
} Table;

/* Text the leaf-await rewrite puts in place of [at, at + del). */
typedef struct Edit {
  size_t at, del;
  const char *ins;
  size_t len;       /* strlen(ins) */
  size_t inner;     /* begin of the await; among edits at one offset, the
                       inner await's comes first */
  size_t new_at;    /* where the insertion starts in the parsed buffer */
  size_t in_after, out_after; /* bytes inserted and deleted up to its end */
} Edit;

/* A top-level declaration of the .ac file, walked on first use. */
typedef struct Top {
  size_t begin, end;  /* its extent, in original offsets */
  size_t max_end;     /* the largest end of it and the tops before it */
  size_t at;          /* its location (a declaration's name) */
  CXCursor cursor;
  bool walked;
  bool is_decl;       /* a kind the decls table holds (visit_body) */
} Top;

struct Oracle {
  const Source *src;
  char *erased;     /* the plain erasure */
  Vec edits;        /* Edit*, sorted by at: the leaf-await rewrite */
  CXIndex index;
  CXTranslationUnit tu;
  Table exprs;   /* key (begin << 32 | end) + 1 */
  Table decls;   /* key name offset + 1 */
  Map funcs;     /* name -> FuncEntry*: top-level function declarations */
  Map async_names; /* name offset + 1 -> Node*: async definitions */
  Top *tops;     /* the .ac file's top-level cursors, in source order */
  int ntops, captops;
  Vec walked;    /* (intptr_t) index of each top walked since the tables
                    were last emptied */
  int errors;    /* libclang's errors on the erasure */
};

bool oracle_has_errors(const Oracle *o) { return o->errors > 0; }

typedef struct FuncEntry {
  char *name;
  CXCursor cursor;
} FuncEntry;

/* ---- a small open-addressing table keyed by offsets ---- */

static Slot *table_find(const Table *t, uint64_t key) {
  if (!t->cap)
    return NULL;
  size_t mask = t->cap - 1;
  for (size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & mask;;
       i = (i + 1) & mask)
    if (t->slots[i].key == key || !t->slots[i].key)
      return &t->slots[i];
}

static void table_grow(Table *t) {
  Table old = *t;
  t->cap = old.cap ? old.cap * 2 : 64;
  t->slots = xalloc(t->cap * sizeof(Slot));
  t->used = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].key) {
      *table_find(t, old.slots[i].key) = old.slots[i];
      t->used++;
    }
  free(old.slots);
}

/* Puts c under key, over the cursor there if any. */
static void table_put(Table *t, uint64_t key, CXCursor c) {
  if ((t->used + 1) * 4 > t->cap * 3)
    table_grow(t);
  Slot *s = table_find(t, key);
  if (!s->key) {
    if (t->used == t->capcursors) {
      t->capcursors = t->capcursors ? t->capcursors * 2 : 1024;
      t->cursors = xrealloc(t->cursors, t->capcursors * sizeof(CXCursor));
    }
    s->key = key;
    s->at = (uint32_t)t->used++;
  }
  t->cursors[s->at] = c;
}

/* The cursor under key, if any. */
static bool table_get(const Table *t, uint64_t key, CXCursor *c) {
  const Slot *s = table_find(t, key);
  if (!s || !s->key)
    return false;
  *c = t->cursors[s->at];
  return true;
}

static void table_free(Table *t) {
  free(t->slots);
  free(t->cursors);
  *t = (Table){0};
}

static uint64_t range_key(size_t begin, size_t end) {
  return ((uint64_t)begin << 32 | (uint64_t)end) + 1;
}

/* ---- indexing ---- */

/*
 * Maps an offset of the parsed buffer back to the original buffer.  An
 * offset inside inserted text maps to the edit's start when it begins a
 * range and to the end of the replaced text when it ends one; a range that
 * ends just before an insertion ends at the insertion's offset.
 */
static size_t unmap(const Oracle *o, size_t n, bool is_end) {
  /* The first edit starting after n (at n, for an end): a binary search,
     since new starts grow with the edits. */
  int lo = 0, hi = o->edits.len;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    size_t ns = ((const Edit *)o->edits.items[mid])->new_at;
    if (ns < n || (!is_end && ns == n))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return n;
  const Edit *e = o->edits.items[lo - 1];
  size_t ne = e->new_at + e->len;
  if (n < ne || (is_end && n == ne))
    return is_end ? e->at + e->del : e->at;
  return n - e->in_after + e->out_after;
}

static size_t offset_at(const Oracle *o, CXSourceLocation loc, bool is_end) {
  unsigned off;
  clang_getFileLocation(loc, NULL, NULL, NULL, &off);
  return unmap(o, off, is_end);
}

static void index_expr(Oracle *o, CXCursor c) {
  CXSourceRange r = clang_getCursorExtent(c);
  size_t begin = offset_at(o, clang_getRangeStart(r), false);
  size_t end = offset_at(o, clang_getRangeEnd(r), true);
  CXCursor old;
  bool unexposed = clang_getCursorKind(c) == CXCursor_UnexposedExpr;
  if (table_get(&o->exprs, range_key(begin, end), &old) &&
      (unexposed || clang_getCursorKind(old) != CXCursor_UnexposedExpr))
    return;
  table_put(&o->exprs, range_key(begin, end), c);
}

static bool is_decl_kind(enum CXCursorKind k) {
  return k == CXCursor_VarDecl || k == CXCursor_ParmDecl ||
         k == CXCursor_FunctionDecl || k == CXCursor_TypedefDecl;
}

static enum CXChildVisitResult visit_body(CXCursor c, CXCursor parent,
                                          CXClientData data) {
  Oracle *o = data;
  enum CXCursorKind k = clang_getCursorKind(c);
  if (clang_isExpression(k))
    index_expr(o, c);
  else if (is_decl_kind(k))
    table_put(&o->decls, offset_at(o, clang_getCursorLocation(c), false) + 1,
              c);
  return CXChildVisit_Recurse;
}

static bool in_main_file(Oracle *o, CXCursor c) {
  size_t off = offset_at(o, clang_getCursorLocation(c), false);
  return off < o->src->len && source_in_main(o->src, off);
}

/* An async function defined in a header (a static one shared by several
   .ac files): acc lowers it too, so its body is indexed as the .ac's. */
static bool is_async_def(Oracle *o, CXCursor c) {
  if (clang_getCursorKind(c) != CXCursor_FunctionDecl ||
      !clang_isCursorDefinition(c))
    return false;
  if (!o->async_names.len) { /* name offset + 1 of each, as a key */
    const Vec *defs = ast_async_defs();
    for (int i = 0; i < defs->len; i++) {
      size_t at = ((Node *)defs->items[i])->name_off;
      map_put(&o->async_names, (void *)(uintptr_t)(at + 1), defs->items[i]);
    }
  }
  size_t off = offset_at(o, clang_getCursorLocation(c), false);
  return map_get(&o->async_names, (void *)(uintptr_t)(off + 1)) != NULL;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent,
                                         CXClientData data) {
  Oracle *o = data;
  if (clang_getCursorKind(c) == CXCursor_FunctionDecl) {
    CXString name = clang_getCursorSpelling(c);
    const char *s = clang_getCString(name);
    if (!map_get(&o->funcs, s)) { /* the first declaration answers */
      FuncEntry *f = xalloc(sizeof *f);
      f->name = xstrdup(s);
      f->cursor = c;
      map_put(&o->funcs, f->name, f);
    }
    clang_disposeString(name);
  }
  if (in_main_file(o, c) || is_async_def(o, c)) {
    if (o->ntops == o->captops) {
      o->captops = o->captops ? 2 * o->captops : 256;
      o->tops = xrealloc(o->tops, sizeof(Top) * (size_t)o->captops);
    }
    CXSourceRange r = clang_getCursorExtent(c);
    Top *t = &o->tops[o->ntops++];
    *t = (Top){.begin = offset_at(o, clang_getRangeStart(r), false),
               .end = offset_at(o, clang_getRangeEnd(r), true),
               .at = offset_at(o, clang_getCursorLocation(c), false),
               .is_decl = is_decl_kind(clang_getCursorKind(c)),
               .cursor = c};
    t->max_end = t->end;
    if (o->ntops > 1 && t[-1].max_end > t->max_end)
      t->max_end = t[-1].max_end;
  }
  (void)parent;
  return CXChildVisit_Continue;
}

/* The index of the first top beginning after off. */
static int tops_after(const Oracle *o, size_t off) {
  int lo = 0, hi = o->ntops;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (o->tops[mid].begin <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Walks the top-level declarations whose extent holds offset `off` (a
   struct defined in a declaration shares its extent with the declaration's
   variables, so there can be several), if not walked yet. */
static void walk_tops_at(Oracle *o, size_t off) {
  int lo = tops_after(o, off);
  for (int i = lo - 1; i >= 0 && o->tops[i].max_end >= off; i--) {
    Top *t = &o->tops[i];
    if (t->walked || t->end < off)
      continue;
    t->walked = true;
    vec_push(&o->walked, (void *)(intptr_t)i);
    visit_body(t->cursor, clang_getNullCursor(), o);
    clang_visitChildren(t->cursor, visit_body, o);
  }
}

/* The declaration whose name is at name_off.  A top-level one is its
   top's own cursor, found without walking the body: the lowering asks for
   the type of every async function before it lowers any, and walking them
   all then kept every body's index alive at once. */
static bool decl_cursor(Oracle *o, size_t name_off, CXCursor *c) {
  for (int i = tops_after(o, name_off) - 1;
       i >= 0 && o->tops[i].max_end >= name_off; i--)
    if (o->tops[i].is_decl && o->tops[i].at == name_off) {
      *c = o->tops[i].cursor;
      return true;
    }
  walk_tops_at(o, name_off);
  return table_get(&o->decls, name_off + 1, c);
}

/* ---- opening: parse and report errors ---- */

int oracle_clang_major(void) {
  static int major = -1;
  if (major < 0) {
    CXString v = clang_getClangVersion();
    const char *at = strstr(clang_getCString(v), "version ");
    major = at ? atoi(at + 8) : 0;
    clang_disposeString(v);
  }
  return major;
}

/* ==== async function pointers in the erasure ====
 *
 * `async` in a declaration becomes `__attribute__((ms_abi))` in the
 * erasure (plan_async_marks), on async functions and on pointers to
 * them alike.  The calling convention is part of a function type, so clang
 * itself tells an async function from a plain one: a plain pointer given
 * an async function, an async pointer given a plain function or one of
 * another signature are incompatible function pointer types, which we
 * report as errors; `async` on what is no function is an ignored
 * attribute, which we report too.  The marker never leaves this file:
 * type spellings drop it, messages say `async` instead, and
 * oracle_expr_is_async_fn asks for it.
 */
#define ASYNC_MARK " __attribute__((ms_abi))"

static char *drop_mark(const char *t) {
  Str s = {0};
  for (const char *m; (m = strstr(t, ASYNC_MARK)); t = m + strlen(ASYNC_MARK))
    str_add(&s, t, (size_t)(m - t));
  str_puts(&s, t);
  return (char *)str_cstr(&s);
}

/* 'int (int) __attribute__((ms_abi))' -> 'async int (int)' */
static char *async_words(const char *msg) {
  Str s = {0};
  size_t quote = 0; /* in s: just after the last quote */
  for (const char *p = msg; *p;) {
    if (!strncmp(p, ASYNC_MARK, strlen(ASYNC_MARK))) {
      char *tail = xstrndup(s.buf + quote, s.len - quote);
      s.len = quote;
      str_puts(&s, "async ");
      str_puts(&s, tail);
      p += strlen(ASYNC_MARK);
    } else if (!strncmp(p, "((*))", 5)) {
      str_puts(&s, "(*)");
      p += 5;
    } else {
      str_add(&s, p, 1);
      if (*p++ == '\'')
        quote = s.len;
    }
  }
  return (char *)str_cstr(&s);
}

/* The message of an error of the program, or NULL for a diagnostic that
   is no error; the async marker's warnings are errors, in our words. */
static const char *error_text(CXDiagnostic d) {
  CXString msg = clang_getDiagnosticSpelling(d);
  CXString opt = clang_getDiagnosticOption(d, NULL);
  char *m = xstrdup(clang_getCString(msg)), *w = xstrdup(clang_getCString(opt));
  clang_disposeString(msg);
  clang_disposeString(opt);
  if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error)
    return strstr(m, ASYNC_MARK) ? async_words(m) : m;
  if (!strcmp(w, "-Wincompatible-function-pointer-types") &&
      strstr(m, ASYNC_MARK))
    return async_words(m);
  if (!strcmp(w, "-Wignored-attributes") && strstr(m, "'ms_abi'")) {
    const char *here = strstr(m, "type here is ");
    return xformat("'async' applies only to functions and pointers to "
                   "functions%s%s", here ? "; the " : "",
                   here ? async_words(here) : "");
  }
  return NULL;
}

/* Whether offset `off` is inside an async function's definition. */
static bool in_async_def(size_t off) {
  const Vec *defs = ast_async_defs();
  for (int i = 0; i < defs->len; i++) {
    Node *n = defs->items[i];
    if (n->begin <= off && off < n->end)
      return true;
  }
  return false;
}

/*
 * A -Wreturn-type warning on the erasure of an async function: it can
 * fall off its end, and its caller would await an indeterminate value.
 * The C compiler never sees that body as written, so acc says it, in the
 * erasure's words.
 */
static void report_return_type(Oracle *o, CXDiagnostic d) {
  CXString opt = clang_getDiagnosticOption(d, NULL);
  bool wanted = !strcmp(clang_getCString(opt), "-Wreturn-type");
  clang_disposeString(opt);
  size_t off = offset_at(o, clang_getDiagnosticLocation(d), false);
  if (!wanted || off >= o->src->len || !in_async_def(off))
    return;
  Loc loc = source_loc(o->src, off);
  CXString msg = clang_getDiagnosticSpelling(d);
  diag_at_loc(&loc, "warning",
              xformat("%s [-Wreturn-type]", clang_getCString(msg)));
  clang_disposeString(msg);
}

static int report_errors(Oracle *o) {
  int n = 0;
  unsigned count = clang_getNumDiagnostics(o->tu);
  for (unsigned i = 0; i < count; i++) {
    CXDiagnostic d = clang_getDiagnostic(o->tu, i);
    if (clang_getDiagnosticSeverity(d) == CXDiagnostic_Warning)
      report_return_type(o, d);
    const char *msg = error_text(d);
    if (msg) {
      size_t off = offset_at(o, clang_getDiagnosticLocation(d), false);
      Loc loc = source_loc(o->src, off < o->src->len ? off : 0);
      diag_at_loc(&loc, "error", msg);
      n++;
    }
    clang_disposeDiagnostic(d);
  }
  return n;
}

static bool parse_text(Oracle *o, const char *text, size_t len,
                       const Vec *argv) {
  const char *name = xformat("%s.erasure.c", o->src->path);
  struct CXUnsavedFile file = {name, text, (unsigned long)len};
  if (o->tu)
    clang_disposeTranslationUnit(o->tu);
  o->tu = NULL;
  enum CXErrorCode rc = clang_parseTranslationUnit2(
      o->index, name, (const char *const *)argv->items, argv->len, &file, 1,
      CXTranslationUnit_KeepGoing, &o->tu);
  if (rc != CXError_Success) {
    fprintf(stderr, "acc: libclang could not parse the erasure of %s\n",
            o->src->path);
    return false;
  }
  table_free(&o->exprs);
  table_free(&o->decls);
  map_free(&o->funcs);
  o->funcs.strings = true;
  o->ntops = 0;
  o->walked.len = 0;
  clang_visitChildren(clang_getTranslationUnitCursor(o->tu), visit_top, o);
  return true;
}

static void add_edit(Oracle *o, size_t at, size_t del, const char *ins,
                     size_t inner) {
  Edit *e = xalloc(sizeof *e);
  *e = (Edit){.at = at, .del = del, .ins = ins, .len = strlen(ins),
              .inner = inner};
  vec_push(&o->edits, e);
}

/* By offset; at one offset, pure insertions before an edit that replaces
   text there (they go in front of it), then the inner await's first. */
static int edit_cmp(const void *a, const void *b) {
  const Edit *x = *(Edit *const *)a, *y = *(Edit *const *)b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  if ((x->del > 0) != (y->del > 0))
    return x->del > 0 ? 1 : -1;
  return x->inner > y->inner ? -1 : x->inner < y->inner;
}

static bool is_async_call(const Node *e) {
  if (e->kind == ND_IDENT && e->decl && e->decl->kind == DK_VAR && e->decl->init)
    e = e->decl->init;
  return e->kind == ND_CALL && e->lhs->kind == ND_IDENT && e->lhs->decl &&
         e->lhs->decl->is_async;
}

static FuncEntry *find_func(Oracle *o, const char *name);
static const char *type_spelling(CXType t);

/*
 * The type of an await's operand in an erasure that may not type-check
 * yet: clang drops an ill-typed expression's operands from its tree, so a
 * call is typed by its function's declaration and a variable by its own,
 * before asking for the expression itself.
 */
static const char *operand_type(Oracle *o, const Node *e) {
  if (e->kind == ND_CALL && e->lhs->kind == ND_IDENT && e->lhs->decl &&
      e->lhs->decl->kind == DK_FUNC) {
    FuncEntry *f = find_func(o, e->lhs->name);
    if (f)
      return type_spelling(clang_getCursorResultType(f->cursor));
  }
  if (e->kind == ND_IDENT && e->decl && e->decl->kind == DK_VAR) {
    CXCursor c;
    if (decl_cursor(o, e->decl->name_off, &c))
      return type_spelling(clang_getCursorType(c));
  }
  return oracle_expr_type(o, e->begin, e->end);
}

/* Plans the rewrite of every await of a hand-written future not yet
   rewritten; returns how many it added. */
static void add_leaf_edits(Oracle *o, Node *a, const char *out) {
  add_edit(o, a->op_off, 5, "((void)(", a->begin);
  const char *suffix =
      !strcmp(out, "void") ? "))"
      : strchr(out, '(') || strchr(out, '[')
          ? xformat("), *(__typeof__(%s) *)0)", out)
          : xformat("), *(%s *)0)", out);
  add_edit(o, a->lhs->end, 0, suffix, a->begin);
}

static bool word_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The spelling of OUT in `OUT *` or `OUT *name`, a parameter declared
   with a plain specifier list; NULL for any other declarator. */
static const char *pointee_spelling(const Oracle *o, const Decl *p) {
  const char *t = o->src->text;
  size_t i = p->begin;
  while (i < p->end && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
    i++;
  if (i >= p->end || t[i++] != '*')
    return NULL;
  while (i < p->end && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n'))
    i++;
  if (i < p->end && !(p->name && i == p->name_off &&
                      i + strlen(p->name) == p->end))
    return NULL;
  for (size_t k = p->spec->begin; k < p->spec->end; k++)
    if (!word_char(t[k]) && t[k] != ' ' && t[k] != '\t' && t[k] != '\n')
      return NULL;
  return xstrndup(t + p->spec->begin, p->spec->end - p->spec->begin);
}

/*
 * The output type of `await f(...)` from the declarations alone, as
 * oracle_future_info would find it from the types: f is a plain function
 * declared `T_t f(...)` (the typedef name T_t, no pointer), and T_poll
 * with three parameters, the third `OUT *`, and T_drop are declared at file
 * scope.  NULL when the declarations do not say so plainly; the types of a
 * parse decide then.
 */
static const char *declared_leaf_out(Oracle *o, const Node *e) {
  if (e->kind != ND_CALL || e->lhs->kind != ND_IDENT)
    return NULL;
  const Decl *f = e->lhs->decl;
  if (!f || f->kind != DK_FUNC || f->is_async || !f->spec ||
      !f->spec->typedef_name || f->name_off != f->begin)
    return NULL;
  const char *t = f->spec->typedef_name->name;
  size_t n = strlen(t);
  if (n < 3 || strcmp(t + n - 2, "_t"))
    return NULL;
  char *base = xstrndup(t, n - 2);
  Decl *poll = scope_lookup_file(xformat("%s_poll", base));
  Decl *drop = scope_lookup_file(xformat("%s_drop", base));
  if (!poll || poll->kind != DK_FUNC || !drop || drop->kind != DK_FUNC ||
      poll->params.len != 3 || poll->is_variadic)
    return NULL;
  return pointee_spelling(o, poll->params.items[2]);
}

/* Before the first parse: the rewrite of every leaf await whose output the
   declarations give. */
static void plan_declared_leaves(Oracle *o, Map *done) {
  const Vec *awaits = ast_awaits();
  for (int i = 0; i < awaits->len; i++) {
    Node *a = awaits->items[i];
    const char *out;
    if (is_async_call(a->lhs) || !(out = declared_leaf_out(o, a->lhs)))
      continue;
    add_leaf_edits(o, a, out);
    map_put(done, a, a);
  }
  if (o->edits.len)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
}

static int plan_leaf_awaits(Oracle *o, Map *done) {
  const Vec *awaits = ast_awaits();
  int added = 0;
  for (int i = 0; i < awaits->len; i++) {
    Node *a = awaits->items[i];
    if (is_async_call(a->lhs) || map_get(done, a))
      continue;
    const char *type = operand_type(o, a->lhs);
    const char *out;
    if (!type || !oracle_future_info(o, type, NULL, NULL, &out) ||
        strstr(out, "(unnamed") || strstr(out, "(anonymous"))
      continue;
    add_leaf_edits(o, a, out);
    map_put(done, a, a);
    added++;
  }
  if (o->edits.len)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
  return added;
}

/*
 * A future value passed on, as in `ac_spawn(worker(i))`, is a call of an
 * async function in argument position.  When worker returns void, its
 * erasure is a void argument, which C rejects, though the program is right:
 * the argument is a future, never void.  Such an argument is rewritten as
 * `((void)(worker(i)), 0)`.  Returns how many it added.
 */
static int plan_void_future_args(Oracle *o, Map *done) {
  const Vec *calls = ast_calls();
  int added = 0;
  for (int i = 0; i < calls->len; i++) {
    Node *call = calls->items[i];
    for (int j = 0; j < call->args.len; j++) {
      Node *a = call->args.items[j];
      if (a->kind != ND_CALL || !is_async_call(a) ||
          !oracle_expr_is_void(o, a->begin, a->end))
        continue;
      if (map_get(done, a))
        continue;
      add_edit(o, a->begin, 0, "((void)(", a->begin);
      add_edit(o, a->end, 0, "), 0)", a->begin);
      map_put(done, a, a);
      added++;
    }
  }
  if (added)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
  return added;
}

/*
 * Each `async` but async main's becomes the marker of async function
 * types (see "async function pointers in the erasure" above), before the
 * first parse.  Returns how many it changed.
 */
static int plan_async_marks(Oracle *o) {
  const Vec *fns = ast_async_funcs(), *specs = ast_async_specs();
  Map mains = {0}; /* the DeclSpec* of async main's declarations */
  for (int j = 0; j < fns->len; j++) {
    Decl *d = fns->items[j];
    if (d->name && !strcmp(d->name, "main"))
      map_put(&mains, d->spec, d->spec);
  }
  int added = 0;
  for (int i = 0; i < specs->len; i++) {
    DeclSpec *sp = specs->items[i];
    if (!map_get(&mains, sp)) {
      add_edit(o, sp->async_off, 5, "__attribute__((ms_abi))", sp->async_off);
      added++;
    }
  }
  map_free(&mains);
  if (added)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
  return added;
}

/* The offset of the token just before `off` if it is the `(` or `,` of
   an argument list or the last `=` of an assignment operator, else off. */
static size_t branch_anchor(Oracle *o, size_t off) {
  size_t i = off;
  while (i > 0 && strchr(" \t\n", o->src->text[i - 1]))
    i--;
  return i > 0 && strchr("(,=", o->src->text[i - 1]) ? i - 1 : off;
}

/*
 * A branch of `await ac_first(...)`, `ac_all` or `ac_within` (combinator.c)
 * is awaited by the combinator, so the erasure gives it its output's type,
 * as for an await operand: a hand-written future E becomes
 * `((void)(E), *(OUT *)0)`, a void one `((void)(E), 0)` (a void argument
 * is no C), or `((void)(E))` when its output is assigned, which C then
 * rejects in its own words.  The text goes in after the `(`, `,` or `=`
 * before E, rewritten in place, so that E's own range keeps E's type (the
 * lowering asks for it).  Async calls are typed right by the plain
 * erasure (a void one in argument position by plan_void_future_args).
 * Returns how many it added.
 */
static int plan_combinator_branches(Oracle *o, Map *done) {
  const Vec *calls = ast_calls();
  int added = 0;
  for (int i = 0; i < calls->len; i++) {
    Node *call = calls->items[i];
    if (!combinator_kind(call))
      continue;
    for (int j = combinator_first_branch(call); j < call->args.len; j++) {
      Node *b = call->args.items[j], *e = combinator_future(b);
      const char *type, *out;
      if (map_get(done, e) || is_async_call(e) || combinator_kind(e) ||
          !(type = operand_type(o, e)) ||
          !oracle_future_info(o, type, NULL, NULL, &out) ||
          strstr(out, "(unnamed") || strstr(out, "(anonymous"))
        continue;
      size_t at = branch_anchor(o, e->begin);
      const char *lead = at < e->begin ? xformat("%c", o->src->text[at]) : "";
      add_edit(o, at, at < e->begin, xformat("%s((void)(", lead), e->begin);
      const char *suffix =
          strcmp(out, "void") ? xformat("), *(__typeof__(%s) *)0)", out)
          : combinator_dest(b) ? "))"
                               : "), 0)";
      add_edit(o, e->end, 0, suffix, e->begin);
      map_put(done, e, e);
      added++;
    }
  }
  if (added)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
  return added;
}

/*
 * The names acc declares for an async function f that the program may
 * use, `f__frame` (its future type) and `f__vtable`, do not exist in the
 * erasure; they are declared there before f's first declaration, once f's
 * result type is known from a first parse:
 *   typedef __typeof__(long) f__frame;
 *   extern const struct ac_future_vtable f__vtable;
 * (A future of a void function has no erased type: its f__frame is not
 * declared, and a variable of it is reported as the erasure's error.)
 */
static int plan_acc_names(Oracle *o, bool *done) {
  if (*done)
    return 0;
  *done = true;
  int added = 0;
  for (int k = 0; k < 2; k++) {
    const Vec *fns = k ? ast_vtable_names() : ast_frame_names();
    for (int i = 0; i < fns->len; i++) {
      Decl *f = ((Decl *)fns->items[i])->first;
      size_t at = f->spec ? f->spec->begin : f->begin;
      const char *ins;
      if (k) {
        ins = xformat("extern const struct ac_future_vtable %s__vtable; ",
                      f->name);
      } else {
        FuncEntry *e = find_func(o, f->name);
        if (!e)
          continue;
        CXType r = clang_getCursorResultType(e->cursor);
        if (clang_getCanonicalType(r).kind == CXType_Void)
          continue;
        ins = xformat("typedef __typeof__(%s) %s__frame; ", type_spelling(r),
                      f->name);
      }
      add_edit(o, at, 0, ins, at);
      added++;
    }
  }
  if (added)
    qsort(o->edits.items, (size_t)o->edits.len, sizeof(void *), edit_cmp);
  return added;
}

static char *apply_edits(Oracle *o, size_t *len) {
  Str out = {0};
  size_t pos = 0, in = 0, del = 0;
  for (int i = 0; i < o->edits.len; i++) {
    Edit *e = o->edits.items[i];
    if (e->at < pos) /* edits never overlap (edit_cmp orders them) */
      unreachable();
    str_add(&out, o->erased + pos, e->at - pos);
    e->new_at = out.len;
    str_add(&out, e->ins, e->len);
    pos = e->at + e->del;
    e->in_after = in += e->len;
    e->out_after = del += e->del;
  }
  str_add(&out, o->erased + pos, o->src->len - pos);
  *len = out.len;
  return out.buf;
}

Oracle *oracle_open(const Source *src, const char *const *args, int nargs) {
  Oracle *o = xalloc(sizeof *o);
  o->src = src;
  o->erased = erase_async(src);
  Vec argv = {0};
  /* A pointer made an integer without a cast breaks a constraint of C
     (6.5.16.1); clang 14 only warns, but gcc rejects some forms of it (a
     string literal for an int array) and gcc 14 and clang 15 reject all:
     report it at the .ac position rather than let cc fail on the output. */
  vec_push(&argv, "-Werror=int-conversion");
  bool has_std = false;
  for (int i = 0; i < nargs; i++) {
    vec_push(&argv, (char *)args[i]);
    has_std |= !strncmp(args[i], "-std=", 5);
  }
  if (!has_std)
    vec_push(&argv, "-std=gnu11");
  vec_push(&argv, "-ferror-limit=0");
  /* clang's default of 256 is below what acc accepts (parse.h) */
  vec_push(&argv, xformat("-fbracket-depth=%d", ACC_MAX_NESTING + 8));
  o->index = clang_createIndex(0, 0);
  /* A rewrite can type an await's operand that was ill-typed before (a
     leaf awaited inside another leaf's arguments): a few rounds at most. */
  Map done = {0};
  plan_async_marks(o);
  plan_declared_leaves(o, &done);
  size_t len0 = src->len;
  char *text0 = o->edits.len ? apply_edits(o, &len0) : o->erased;
  bool ok = parse_text(o, text0, len0, &argv);
  if (text0 != o->erased) /* libclang parses a copy of it */
    free(text0);
  bool names_done = false;
  for (int round = 0;
       ok && round < 4 &&
       plan_acc_names(o, &names_done) + plan_leaf_awaits(o, &done) +
           plan_void_future_args(o, &done) +
           plan_combinator_branches(o, &done);
       round++) {
    size_t len;
    char *text = apply_edits(o, &len);
    ok = parse_text(o, text, len, &argv);
    free(text);
  }
  if (!ok) {
    oracle_close(o);
    return NULL;
  }
  /* With type errors the oracle still answers what it can, so acc's own
     rules report their errors too (sema), though nothing is lowered. */
  o->errors = report_errors(o);
  return o;
}

void oracle_close(Oracle *o) {
  if (!o)
    return;
  if (o->tu)
    clang_disposeTranslationUnit(o->tu);
  if (o->index)
    clang_disposeIndex(o->index);
  table_free(&o->exprs);
  table_free(&o->decls);
  free(o->tops);
  free(o->walked.items);
  o->walked = (Vec){0};
  for (size_t i = 0; i < o->funcs.cap; i++)
    if (o->funcs.keys[i]) {
      FuncEntry *f = o->funcs.vals[i];
      free(f->name);
      free(f);
    }
  map_free(&o->funcs);
  map_free(&o->async_names);
  free(o->erased);
  o->erased = NULL;
  o->tu = NULL;
  o->index = NULL;
  o->tops = NULL;
  o->ntops = o->captops = 0;
}

/* Empties t, keeping its room when it was mostly used (the lowering
   empties it after every function, and clearing a large table for a
   small function cost more than the function's walk). */
static void table_clear(Table *t) {
  if (t->cap > 4 * t->used + 64) {
    table_free(t);
    return;
  }
  if (t->used)
    memset(t->slots, 0, t->cap * sizeof(Slot));
  t->used = 0;
}

void oracle_forget_bodies(Oracle *o) {
  table_clear(&o->exprs);
  table_clear(&o->decls);
  /* only the tops walked since: the lowering empties the tables after
     each function, and resetting every top made that quadratic */
  for (int i = 0; i < o->walked.len; i++)
    o->tops[(intptr_t)o->walked.items[i]].walked = false;
  o->walked.len = 0;
}

/* ---- queries ---- */

static bool expr_cursor(Oracle *o, size_t begin, size_t end, CXCursor *c) {
  walk_tops_at(o, begin);
  return table_get(&o->exprs, range_key(begin, end), c);
}

/* A type's spelling, one copy of each: the lowering asks for the type of
   every name and operand it moves, and a large file has millions, of a
   few hundred types. */
static const char *type_spelling(CXType t) {
  static Map spellings = {.strings = true};
  CXString s = clang_getTypeSpelling(t);
  char *r = drop_mark(clang_getCString(s));
  clang_disposeString(s);
  const char *known = map_get(&spellings, r);
  if (known) {
    free(r);
    return known;
  }
  map_put(&spellings, r, r);
  return r;
}

/* `await E` of an async call erases to E: look E up instead. */
static bool skip_await(const Oracle *o, size_t *begin, size_t end) {
  const char *t = o->src->text;
  if (end - *begin <= 6 || strncmp(t + *begin, "await", 5) ||
      (t[*begin + 5] != ' ' && t[*begin + 5] != '\t' && t[*begin + 5] != '\n' &&
       t[*begin + 5] != '('))
    return false;
  *begin += 5;
  while (*begin < end && (t[*begin] == ' ' || t[*begin] == '\t' ||
                          t[*begin] == '\n'))
    (*begin)++;
  return true;
}

static bool expr_cursor_await(Oracle *o, size_t begin, size_t end,
                              CXCursor *c) {
  while (!expr_cursor(o, begin, end, c))
    if (!skip_await(o, &begin, end))
      return false;
  return true;
}

const char *oracle_expr_type(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor_await(o, begin, end, &c))
    return NULL;
  const char *spelled = type_spelling(clang_getCursorType(c));
  /* An unnamed struct has no spelling usable in C: name it by typeof. */
  if (strstr(spelled, "(unnamed") || strstr(spelled, "(anonymous"))
    return xformat("__typeof__(%.*s)", (int)(end - begin), o->erased + begin);
  return spelled;
}

const char *oracle_expr_canonical_type(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor_await(o, begin, end, &c))
    return NULL;
  const char *spelled =
      type_spelling(clang_getCanonicalType(clang_getCursorType(c)));
  if (strstr(spelled, "(unnamed") || strstr(spelled, "(anonymous"))
    return NULL;
  return spelled;
}

bool oracle_expr_is_void(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor_await(o, begin, end, &c))
    return false;
  return clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Void;
}

const char *oracle_result_canonical(Oracle *o, size_t name_off) {
  CXCursor c;
  if (!oracle_cx_decl(o, name_off, &c))
    return NULL;
  return type_spelling(clang_getCanonicalType(clang_getCursorResultType(c)));
}

size_t oracle_member_decl(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor_await(o, begin, end, &c) ||
      clang_getCursorKind(c) != CXCursor_MemberRefExpr)
    return (size_t)-1;
  CXCursor field = clang_getCursorReferenced(c);
  if (clang_Cursor_isNull(field))
    return (size_t)-1;
  return offset_at(o, clang_getCursorLocation(field), false);
}

bool oracle_eval_int(Oracle *o, size_t begin, size_t end, long long *value) {
  CXCursor c;
  if (!expr_cursor_await(o, begin, end, &c))
    return false;
  CXEvalResult r = clang_Cursor_Evaluate(c);
  if (!r)
    return false;
  bool ok = clang_EvalResult_getKind(r) == CXEval_Int;
  if (ok)
    *value = clang_EvalResult_getAsLongLong(r);
  clang_EvalResult_dispose(r);
  return ok;
}

/* ---- cursors for oracle_types.c (oracle_cx.h) ---- */

bool oracle_cx_expr(Oracle *o, size_t begin, size_t end, CXCursor *c) {
  return expr_cursor_await(o, begin, end, c);
}

bool oracle_cx_decl(Oracle *o, size_t name_off, CXCursor *c) {
  return decl_cursor(o, name_off, c);
}

bool oracle_cx_func(Oracle *o, const char *name, CXCursor *c) {
  FuncEntry *f = find_func(o, name);
  if (!f)
    return false;
  *c = f->cursor;
  return true;
}

size_t oracle_cx_offset(Oracle *o, CXCursor c) {
  return offset_at(o, clang_getCursorLocation(c), false);
}

static bool is_vm(CXType t) {
  t = clang_getCanonicalType(t);
  switch (t.kind) {
  case CXType_VariableArray:
  case CXType_DependentSizedArray:
    return true;
  case CXType_Pointer:
    return is_vm(clang_getPointeeType(t));
  case CXType_ConstantArray:
  case CXType_IncompleteArray:
    return is_vm(clang_getArrayElementType(t));
  default:
    return false;
  }
}

/* A function type or a pointer to one: 1 plain, 2 with the async marker;
   0 for any other type. */
static int fn_kind(CXType t) {
  t = clang_getCanonicalType(t);
  if (t.kind == CXType_Pointer)
    t = clang_getCanonicalType(clang_getPointeeType(t));
  if (t.kind != CXType_FunctionProto && t.kind != CXType_FunctionNoProto)
    return 0;
  return clang_getFunctionTypeCallingConv(t) == CXCallingConv_X86_64Win64 ? 2
                                                                           : 1;
}

int oracle_expr_fn_kind(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  return expr_cursor(o, begin, end, &c) ? fn_kind(clang_getCursorType(c)) : 0;
}

bool oracle_expr_is_async_fn(Oracle *o, size_t begin, size_t end) {
  return oracle_expr_fn_kind(o, begin, end) == 2;
}

bool oracle_decl_is_vm(Oracle *o, size_t name_off) {
  CXCursor c;
  return oracle_cx_decl(o, name_off, &c) && is_vm(clang_getCursorType(c));
}

bool oracle_decl_is_vm_pointer(Oracle *o, size_t name_off) {
  CXCursor c;
  if (!oracle_cx_decl(o, name_off, &c))
    return false;
  CXType t = clang_getCanonicalType(clang_getCursorType(c));
  return t.kind == CXType_Pointer && is_vm(t);
}

/* A number, a pointer or an enumeration, neither volatile nor _Atomic: a
   value a plain load copies whole and `= 0` initializes. */
static bool plain_scalar(CXType t) {
  t = clang_getCanonicalType(t);
  if (clang_isVolatileQualifiedType(t))
    return false;
  if (t.kind >= CXType_FirstBuiltin && t.kind <= CXType_LastBuiltin)
    return t.kind != CXType_Void;
  return t.kind == CXType_Pointer || t.kind == CXType_Enum ||
         t.kind == CXType_Complex;
}

bool oracle_decl_is_plain_scalar(Oracle *o, size_t name_off) {
  CXCursor c;
  return oracle_cx_decl(o, name_off, &c) &&
         plain_scalar(clang_getCursorType(c));
}

bool oracle_result_is_plain_scalar(Oracle *o, size_t name_off) {
  CXCursor c;
  if (!oracle_cx_decl(o, name_off, &c))
    return false;
  CXType t = clang_getCursorResultType(c);
  return plain_scalar(t) &&
         !clang_isConstQualifiedType(clang_getCanonicalType(t));
}

static FuncEntry *find_func(Oracle *o, const char *name) {
  return map_get(&o->funcs, name);
}

/*
 * A future type T_t has `ac_poll_t T_poll(T_t *, ac_context_t *, OUT *)`
 * and `void T_drop(T_t *)`; OUT is the output type, `void` when the third
 * parameter is `void *`.
 */
bool oracle_future_info(Oracle *o, const char *type, const char **poll,
                        const char **drop, const char **out_type) {
  size_t n = strlen(type);
  while (n && type[n - 1] == ' ')
    n--;
  if (n < 3 || strncmp(type + n - 2, "_t", 2))
    return false;
  char *base = xstrndup(type, n - 2);
  FuncEntry *f = find_func(o, xformat("%s_poll", base));
  if (!f || !find_func(o, xformat("%s_drop", base)))
    return false;
  CXType ft = clang_getCursorType(f->cursor);
  if (clang_getNumArgTypes(ft) != 3)
    return false;
  CXType out = clang_getPointeeType(clang_getArgType(ft, 2));
  if (poll)
    *poll = xformat("%s_poll", base);
  if (drop)
    *drop = xformat("%s_drop", base);
  if (out_type)
    *out_type = clang_getCanonicalType(out).kind == CXType_Void
                    ? "void"
                    : type_spelling(out);
  return true;
}

/* A leaf whose drop has nothing left to do once it was ready says so
   with `void T_drop_ready(T_t *)`, which the await calls instead: a drop
   called after an out-of-line poll still tests the leaf's state, which
   the C compiler cannot know (ac_mpsc_send_drop, W3). */
const char *oracle_future_drop_ready(Oracle *o, const char *type) {
  size_t n = strlen(type);
  while (n && type[n - 1] == ' ')
    n--;
  if (n < 3 || strncmp(type + n - 2, "_t", 2))
    return NULL;
  const char *name = xformat("%.*s_drop_ready", (int)(n - 2), type);
  FuncEntry *f = find_func(o, name);
  if (!f)
    return NULL;
  CXType ft = clang_getCursorType(f->cursor);
  return clang_getNumArgTypes(ft) == 1 &&
                 clang_getResultType(ft).kind == CXType_Void
             ? name : NULL;
}
