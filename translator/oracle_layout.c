/*
 * oracle_layout.c: sizes and alignments of type spellings, for layout.c.
 *
 * This is the one exception to "only oracle.c includes <clang-c/Index.h>"
 * (docs/internals.md): the layout needs clang_Type_getSizeOf and
 * clang_Type_getAlignOf, and asking them through oracle.c's cursor lookup
 * would couple the two files.  Instead we parse the sync erasure once more
 * with one probe declaration appended per spelling,
 *     __typeof__(SPELLING) __acc_probe_N;
 * and read each probe's size.  Types local to a function are made visible
 * by appending their hoisted definitions first.  Only the inspection views
 * (--emit=layout, states, dot, json) pay for this parse.
 */
#include "oracle.h"

#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

typedef struct Probe {
  const char **types;
  int n;
  size_t *size, *align;
} Probe;

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, void *data) {
  (void)parent;
  Probe *pr = data;
  if (clang_getCursorKind(c) != CXCursor_VarDecl)
    return CXChildVisit_Continue;
  CXString name = clang_getCursorSpelling(c);
  const char *s = clang_getCString(name);
  int i;
  if (!strncmp(s, "__acc_probe_", 12) && (i = atoi(s + 12)) >= 0 && i < pr->n) {
    CXType t = clang_getCursorType(c);
    long long sz = clang_Type_getSizeOf(t), al = clang_Type_getAlignOf(t);
    pr->size[i] = sz > 0 ? (size_t)sz : 0;
    pr->align[i] = al > 0 ? (size_t)al : 0;
  }
  clang_disposeString(name);
  return CXChildVisit_Continue;
}

void oracle_type_sizes(const Source *src, const char *const *args, int nargs,
                       const char *prelude, const char **types, int n,
                       size_t *size, size_t *align) {
  memset(size, 0, sizeof *size * (size_t)n);
  memset(align, 0, sizeof *align * (size_t)n);
  Str text = {0};
  str_add(&text, erase_async(src), src->len);
  str_printf(&text, "\n%s\n", prelude ? prelude : "");
  for (int i = 0; i < n; i++)
    str_printf(&text, "__typeof__(%s) __acc_probe_%d;\n", types[i], i);
  struct CXUnsavedFile file = {"__acc_layout.c", text.buf,
                               (unsigned long)text.len};
  const char *argv[64];
  int argc = 0;
  argv[argc++] = "-xc";
  for (int i = 0; i < nargs && argc < 63; i++)
    argv[argc++] = args[i];
  CXIndex index = clang_createIndex(0, 0);
  CXTranslationUnit tu = NULL;
  if (clang_parseTranslationUnit2(index, "__acc_layout.c", argv, argc, &file,
                                  1, CXTranslationUnit_None, &tu) ==
      CXError_Success) {
    Probe pr = {types, n, size, align};
    clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, &pr);
    clang_disposeTranslationUnit(tu);
  }
  clang_disposeIndex(index);
}
