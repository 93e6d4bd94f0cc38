/*
 * oracle_types.c: C type names printed from libclang's types, for frame
 * fields, temporaries, results and parameters.
 *
 * A frame field is declared at file scope, far from the declaration it
 * stands for, so its type must be written as a type name that means the
 * same type there.  It is printed from the oracle's CXType with the usual
 * inside-out declarator rules, so pointers to arrays and to functions nest
 * at any depth:
 *
 *   int (*pick(int k))(int)     result    int (*)(int)
 *   void f(int g(int))          param 0   int (*)(int)    (adjusted)
 *   int (*(*t)[3])(void)        local     int (*(*)[3])(void)
 *
 * Named types keep their names (size_t stays size_t), except those declared
 * inside a function: acc hoists them to file scope under other names, which
 * the caller's namer gives by the offset of their declaration; a typedef
 * it does not name is printed as the type it stands for.  typeof is
 * printed as its type.  A type that cannot be named at file scope (an
 * unnamed or local struct that is not hoisted, a variably modified type)
 * prints as NULL.
 */
#include "oracle_cx.h"

#include <string.h>

typedef struct Printer {
  Oracle *o;
  OracleNamer *namer;
  void *ctx;
} Printer;

static const char *print(Printer *p, CXType t, const char *inner);
static bool is_derived(CXType t);

static char *spelling(CXType t) {
  CXString s = clang_getTypeSpelling(t);
  char *r = xstrdup(clang_getCString(s));
  clang_disposeString(s);
  return r;
}

static char *cursor_name(CXCursor c) {
  CXString s = clang_getCursorSpelling(c);
  char *r = xstrdup(clang_getCString(s));
  clang_disposeString(s);
  return r;
}

/* Declared inside a function body (or a parameter list)? */
static bool is_local(CXCursor decl) {
  for (CXCursor c = clang_getCursorSemanticParent(decl);
       !clang_Cursor_isNull(c) && !clang_isTranslationUnit(clang_getCursorKind(c));
       c = clang_getCursorSemanticParent(c)) {
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_FunctionDecl)
      return true;
    if (k != CXCursor_StructDecl && k != CXCursor_UnionDecl &&
        k != CXCursor_EnumDecl)
      return false;
  }
  return false;
}

static const char *quals(CXType t, bool before) {
  Str s = {0};
  if (clang_isConstQualifiedType(t))
    str_puts(&s, before ? "const " : " const");
  if (clang_isVolatileQualifiedType(t))
    str_puts(&s, before ? "volatile " : " volatile");
  if (clang_isRestrictQualifiedType(t))
    str_puts(&s, before ? "restrict " : " restrict");
  return s.len ? str_cstr(&s) : "";
}

/* `base inner`: a declaration of inner with a named type. */
static const char *named(CXType t, const char *base, const char *inner) {
  return xformat("%s%s%s%s", quals(t, true), base, *inner ? " " : "", inner);
}

/* The name of a struct, union or enum: its own, the namer's for a
   hoisted one, NULL for one that has no name at file scope. */
static const char *tag_name(Printer *p, CXCursor decl) {
  const char *kw = clang_getCursorKind(decl) == CXCursor_UnionDecl ? "union"
                   : clang_getCursorKind(decl) == CXCursor_EnumDecl ? "enum"
                                                                    : "struct";
  const char *own = cursor_name(decl);
  bool unnamed = !*own || strstr(own, "(unnamed") || strstr(own, "(anonymous");
  const char *hoisted = p->namer
      ? p->namer(p->ctx, oracle_cx_offset(p->o, decl)) : NULL;
  if (hoisted)
    return xformat("%s %s", kw, hoisted);
  if (unnamed || is_local(decl))
    return NULL;
  return xformat("%s %s", kw, own);
}

static const char *print_typedef(Printer *p, CXType t, const char *inner) {
  CXCursor decl = clang_getTypeDeclaration(t);
  if (is_local(decl)) {
    const char *hoisted = p->namer
        ? p->namer(p->ctx, oracle_cx_offset(p->o, decl)) : NULL;
    if (hoisted)
      return named(t, hoisted, inner);
    /* not hoisted: the type it stands for, with t's qualifiers */
    const char *under = print(p, clang_getTypedefDeclUnderlyingType(decl),
                              inner);
    return under && *quals(t, true) ? xformat("%s%s", quals(t, true), under)
                                    : under;
  }
  return named(t, cursor_name(decl), inner);
}

/* A parameter's type as C adjusts it (6.7.6.3p7-8): an array is a pointer
   to its element, a function a pointer to it.  libclang reports the type
   as written (its decayed sugar), so the printer adjusts it itself. */
static const char *print_param(Printer *p, CXType t, const char *inner) {
  CXType c = clang_getCanonicalType(t);
  switch (c.kind) {
  case CXType_ConstantArray: case CXType_IncompleteArray:
  case CXType_VariableArray: case CXType_DependentSizedArray: {
    /* The element as written keeps its qualifiers and names; the
       canonical array carries the element's qualifiers itself. */
    bool written = c.kind == t.kind;
    CXType elem = clang_getArrayElementType(written ? t : c);
    const char *r = print(p, elem, is_derived(elem) ? xformat("(*%s)", inner)
                                                    : xformat("*%s", inner));
    if (r && !written && elem.kind != CXType_Pointer && !is_derived(elem) &&
        *quals(c, true) && !*quals(elem, true))
      r = xformat("%s%s", quals(c, true), r);
    return r;
  }
  case CXType_FunctionProto: case CXType_FunctionNoProto:
    return print(p, c, xformat("(*%s)", inner));
  default:
    return print(p, t, inner);
  }
}

static const char *params(Printer *p, CXType fn) {
  if (fn.kind == CXType_FunctionNoProto)
    return "()";
  int n = clang_getNumArgTypes(fn);
  if (n == 0)
    return clang_isFunctionTypeVariadic(fn) ? "(...)" : "(void)";
  Str s = {0};
  str_puts(&s, "(");
  for (int i = 0; i < n; i++) {
    const char *a = print_param(p, clang_getArgType(fn, (unsigned)i), "");
    if (!a)
      return NULL;
    str_printf(&s, "%s%s", i ? ", " : "", a);
  }
  if (clang_isFunctionTypeVariadic(fn))
    str_puts(&s, ", ...");
  str_puts(&s, ")");
  return str_cstr(&s);
}

/* Whether a declarator derived from t needs parentheses around a pointer:
   t is printed as an array or a function, not by a name. */
static bool is_derived(CXType t) {
  switch (t.kind) {
  case CXType_ConstantArray: case CXType_IncompleteArray:
  case CXType_VariableArray: case CXType_DependentSizedArray:
  case CXType_FunctionProto: case CXType_FunctionNoProto:
    return true;
  case CXType_Elaborated:
    return is_derived(clang_Type_getNamedType(t));
  case CXType_Unexposed: /* typeof, printed as its type */
    return is_derived(clang_getCanonicalType(t)) &&
           clang_getCanonicalType(t).kind != t.kind;
  default:
    return false;
  }
}

static const char *print(Printer *p, CXType t, const char *inner) {
  if (!inner)
    return NULL;
  switch (t.kind) {
  case CXType_Pointer: {
    CXType to = clang_getPointeeType(t);
    const char *d = xformat("*%s%s%s", quals(t, false),
                            *quals(t, false) && *inner ? " " : "", inner);
    return print(p, to, is_derived(to) ? xformat("(%s)", d) : d);
  }
  case CXType_ConstantArray:
    return print(p, clang_getArrayElementType(t),
                 xformat("%s[%lld]", inner, clang_getArraySize(t)));
  case CXType_IncompleteArray:
    return print(p, clang_getArrayElementType(t), xformat("%s[]", inner));
  case CXType_FunctionProto: case CXType_FunctionNoProto: {
    const char *ps = params(p, t);
    return ps ? print(p, clang_getResultType(t), xformat("%s%s", inner, ps))
              : NULL;
  }
  case CXType_Elaborated: {
    CXType n = clang_Type_getNamedType(t);
    const char *r = print(p, n, inner);
    /* qualifiers sit on the elaborated type */
    return r && *quals(t, true) && !*quals(n, true)
               ? xformat("%s%s", quals(t, true), r) : r;
  }
  case CXType_Typedef:
    return print_typedef(p, t, inner);
  case CXType_Record: case CXType_Enum: {
    const char *name = tag_name(p, clang_getTypeDeclaration(t));
    return name ? named(t, name, inner) : NULL;
  }
  case CXType_Atomic: {
    const char *v = print(p, clang_Type_getValueType(t), "");
    return v ? named(t, xformat("_Atomic(%s)", v), inner) : NULL;
  }
  case CXType_Unexposed: { /* typeof(expr), typeof(type) */
    CXType c = clang_getCanonicalType(t);
    if (c.kind == CXType_Unexposed || c.kind == CXType_Invalid)
      return NULL;
    const char *r = print(p, c, inner);
    return r && *quals(t, true) && !*quals(c, true)
               ? xformat("%s%s", quals(t, true), r) : r;
  }
  case CXType_VariableArray: case CXType_DependentSizedArray:
  case CXType_Invalid: case CXType_Dependent:
    return NULL;
  default: { /* builtin, complex, vector: clang's spelling is C */
    const char *s = spelling(t);
    if (strchr(s, '(') && !strstr(s, "__attribute__"))
      return NULL;
    /* the spelling carries the qualifiers already */
    return xformat("%s%s%s", s, *inner ? " " : "", inner);
  }
  }
}

static const char *type_name(Oracle *o, CXType t, OracleNamer *namer,
                             void *ctx) {
  Printer p = {o, namer, ctx};
  const char *r = print(&p, t, "");
  return r && !strstr(r, "(unnamed") && !strstr(r, "(anonymous") ? r : NULL;
}

const char *oracle_type_name_expr(Oracle *o, size_t begin, size_t end,
                                  OracleNamer *namer, void *ctx) {
  CXCursor c;
  if (!oracle_cx_expr(o, begin, end, &c))
    return NULL;
  return type_name(o, clang_getCursorType(c), namer, ctx);
}

const char *oracle_type_name_decl(Oracle *o, size_t name_off,
                                  OracleNamer *namer, void *ctx) {
  CXCursor c;
  if (!oracle_cx_decl(o, name_off, &c))
    return NULL;
  return type_name(o, clang_getCursorType(c), namer, ctx);
}

/* The function type of the function declared at name_off (or named
   `name`, for one declared in a header). */
static bool func_type(Oracle *o, size_t name_off, const char *name,
                      CXType *t) {
  CXCursor c;
  if (!oracle_cx_decl(o, name_off, &c) &&
      !(name && oracle_cx_func(o, name, &c)))
    return false;
  *t = clang_getCursorType(c);
  return t->kind == CXType_FunctionProto ||
         t->kind == CXType_FunctionNoProto;
}

const char *oracle_type_name_result(Oracle *o, size_t name_off,
                                    const char *name, OracleNamer *namer,
                                    void *ctx) {
  CXType t;
  if (!func_type(o, name_off, name, &t))
    return NULL;
  return type_name(o, clang_getResultType(t), namer, ctx);
}

const char *oracle_type_name_param(Oracle *o, size_t name_off,
                                   const char *name, int i,
                                   OracleNamer *namer, void *ctx) {
  CXType t;
  if (!func_type(o, name_off, name, &t) || t.kind != CXType_FunctionProto ||
      i >= clang_getNumArgTypes(t))
    return NULL;
  Printer p = {o, namer, ctx};
  const char *r = print_param(&p, clang_getArgType(t, (unsigned)i), "");
  return r && !strstr(r, "(unnamed") && !strstr(r, "(anonymous") ? r : NULL;
}
