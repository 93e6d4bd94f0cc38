/*
 * oracle.c: the only libclang user.  The sync erasure of the preprocessed
 * buffer (erase.c) is parsed in memory as a C file; since it has the same
 * bytes as our buffer apart from the erased keywords, a node's [begin, end)
 * is also the extent of the clang cursor for the same expression.
 *
 * On open, the cursors of the .ac file's own declarations (not those of the
 * headers) are walked once: every expression is indexed by its extent and
 * every declaration by the offset of its name, so each query is a hash
 * lookup.  Where several cursors share an extent (an implicit conversion
 * wraps its operand with the same extent), the outermost exposed one wins:
 * that is the expression as written.  Top-level functions of every file are
 * indexed by name for oracle_future_info.
 *
 * libclang's errors on the erasure are the user's errors: they are reported
 * through diag.c at the .ac position of the same offset.  The buffer keeps
 * its linemarkers, so clang's presumed locations and ours agree; warnings
 * are left to the C compiler that will see the generated code.
 */
#include "oracle.h"

#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

typedef struct Slot {
  uint64_t key;   /* 0 = empty */
  CXCursor cursor;
} Slot;

typedef struct Table {
  Slot *slots;
  size_t cap, used;
} Table;

struct Oracle {
  const Source *src;
  char *erased;
  CXIndex index;
  CXTranslationUnit tu;
  Table exprs;   /* key (begin << 32 | end) + 1 */
  Table decls;   /* key name offset + 1 */
  Vec funcs;     /* FuncEntry*: top-level function declarations */
};

typedef struct FuncEntry {
  char *name;
  CXCursor cursor;
} FuncEntry;

/* ---- a small open-addressing table keyed by offsets ---- */

static Slot *table_find(Table *t, uint64_t key) {
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
  t->cap = old.cap ? old.cap * 2 : 1024;
  t->slots = xalloc(t->cap * sizeof(Slot));
  t->used = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].key) {
      *table_find(t, old.slots[i].key) = old.slots[i];
      t->used++;
    }
  free(old.slots);
}

static Slot *table_insert(Table *t, uint64_t key) {
  if ((t->used + 1) * 2 > t->cap)
    table_grow(t);
  Slot *s = table_find(t, key);
  if (!s->key) {
    s->key = key;
    t->used++;
  }
  return s;
}

static uint64_t range_key(size_t begin, size_t end) {
  return ((uint64_t)begin << 32 | (uint64_t)end) + 1;
}

/* ---- indexing ---- */

static unsigned offset_of(CXSourceLocation loc) {
  unsigned off;
  clang_getFileLocation(loc, NULL, NULL, NULL, &off);
  return off;
}

static void index_expr(Oracle *o, CXCursor c) {
  CXSourceRange r = clang_getCursorExtent(c);
  size_t begin = offset_of(clang_getRangeStart(r));
  size_t end = offset_of(clang_getRangeEnd(r));
  Slot *s = table_find(&o->exprs, range_key(begin, end));
  bool unexposed = clang_getCursorKind(c) == CXCursor_UnexposedExpr;
  if (s && s->key) {
    if (unexposed ||
        clang_getCursorKind(s->cursor) != CXCursor_UnexposedExpr)
      return;
  }
  table_insert(&o->exprs, range_key(begin, end))->cursor = c;
}

static enum CXChildVisitResult visit_body(CXCursor c, CXCursor parent,
                                          CXClientData data) {
  Oracle *o = data;
  enum CXCursorKind k = clang_getCursorKind(c);
  if (clang_isExpression(k))
    index_expr(o, c);
  else if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl ||
           k == CXCursor_FunctionDecl || k == CXCursor_TypedefDecl)
    table_insert(&o->decls, offset_of(clang_getCursorLocation(c)) + 1)
        ->cursor = c;
  return CXChildVisit_Recurse;
}

static bool in_main_file(Oracle *o, CXCursor c) {
  unsigned off = offset_of(clang_getCursorLocation(c));
  return off < o->src->len && source_loc(o->src, off).in_main;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent,
                                         CXClientData data) {
  Oracle *o = data;
  if (clang_getCursorKind(c) == CXCursor_FunctionDecl) {
    FuncEntry *f = xalloc(sizeof *f);
    CXString name = clang_getCursorSpelling(c);
    f->name = xstrdup(clang_getCString(name));
    clang_disposeString(name);
    f->cursor = c;
    vec_push(&o->funcs, f);
  }
  if (in_main_file(o, c)) {
    visit_body(c, parent, data);
    clang_visitChildren(c, visit_body, o);
  }
  return CXChildVisit_Continue;
}

/* ---- opening: parse and report errors ---- */

/*
 * Ranges whose errors are not the user's (set by translate.c before
 * oracle_open): the full expressions that contain an await.  In the
 * erasure, `await leaf(v)` is the leaf's future value rather than its
 * output, so `long x = await leaf(v);` is a type error there only.
 */
static const size_t *skip_ranges;
static int nskip_ranges;

void oracle_skip_errors_in(const size_t *begin_end, int n) {
  skip_ranges = begin_end;
  nskip_ranges = n;
}

static bool skipped(unsigned off) {
  for (int i = 0; i < nskip_ranges; i++)
    if (off >= skip_ranges[2 * i] && off < skip_ranges[2 * i + 1])
      return true;
  return false;
}

static int report_errors(Oracle *o) {
  int n = 0;
  unsigned count = clang_getNumDiagnostics(o->tu);
  for (unsigned i = 0; i < count; i++) {
    CXDiagnostic d = clang_getDiagnostic(o->tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      unsigned off = offset_of(clang_getDiagnosticLocation(d));
      if (skipped(off)) {
        clang_disposeDiagnostic(d);
        continue;
      }
      Loc loc = source_loc(o->src, off < o->src->len ? off : 0);
      CXString msg = clang_getDiagnosticSpelling(d);
      diag_at_loc(&loc, "error", clang_getCString(msg));
      clang_disposeString(msg);
      n++;
    }
    clang_disposeDiagnostic(d);
  }
  return n;
}

Oracle *oracle_open(const Source *src, const char *const *args, int nargs) {
  Oracle *o = xalloc(sizeof *o);
  o->src = src;
  o->erased = erase_async(src->text, src->len);
  const char *name = xformat("%s.erasure.c", src->path);
  struct CXUnsavedFile file = {name, o->erased, (unsigned long)src->len};
  Vec argv = {0};
  bool has_std = false;
  for (int i = 0; i < nargs; i++) {
    vec_push(&argv, (char *)args[i]);
    has_std |= !strncmp(args[i], "-std=", 5);
  }
  if (!has_std)
    vec_push(&argv, "-std=gnu11");
  vec_push(&argv, "-ferror-limit=0");
  o->index = clang_createIndex(0, 0);
  enum CXErrorCode rc = clang_parseTranslationUnit2(
      o->index, name, (const char *const *)argv.items, argv.len, &file, 1,
      CXTranslationUnit_KeepGoing, &o->tu);
  if (rc != CXError_Success) {
    fprintf(stderr, "acc: libclang could not parse the erasure of %s\n",
            src->path);
    oracle_close(o);
    return NULL;
  }
  if (report_errors(o)) {
    oracle_close(o);
    return NULL;
  }
  clang_visitChildren(clang_getTranslationUnitCursor(o->tu), visit_top, o);
  return o;
}

void oracle_close(Oracle *o) {
  if (!o)
    return;
  if (o->tu)
    clang_disposeTranslationUnit(o->tu);
  if (o->index)
    clang_disposeIndex(o->index);
  free(o->exprs.slots);
  free(o->decls.slots);
  o->tu = NULL;
  o->index = NULL;
  o->exprs = o->decls = (Table){0};
}

/* ---- queries ---- */

static bool expr_cursor(Oracle *o, size_t begin, size_t end, CXCursor *c) {
  Slot *s = table_find(&o->exprs, range_key(begin, end));
  if (!s || !s->key)
    return false;
  *c = s->cursor;
  return true;
}

static char *type_spelling(CXType t) {
  CXString s = clang_getTypeSpelling(t);
  char *r = xstrdup(clang_getCString(s));
  clang_disposeString(s);
  return r;
}

const char *oracle_expr_type(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor(o, begin, end, &c))
    return NULL;
  char *spelled = type_spelling(clang_getCursorType(c));
  /* An unnamed struct has no spelling usable in C: name it by typeof. */
  if (strstr(spelled, "(unnamed") || strstr(spelled, "(anonymous"))
    return xformat("__typeof__(%.*s)", (int)(end - begin), o->erased + begin);
  return spelled;
}

bool oracle_expr_is_void(Oracle *o, size_t begin, size_t end) {
  CXCursor c;
  if (!expr_cursor(o, begin, end, &c))
    return false;
  return clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Void;
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

bool oracle_decl_is_vm(Oracle *o, size_t name_off) {
  Slot *s = table_find(&o->decls, name_off + 1);
  return s && s->key && is_vm(clang_getCursorType(s->cursor));
}

static FuncEntry *find_func(Oracle *o, const char *name) {
  for (int i = 0; i < o->funcs.len; i++) {
    FuncEntry *f = o->funcs.items[i];
    if (!strcmp(f->name, name))
      return f;
  }
  return NULL;
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
