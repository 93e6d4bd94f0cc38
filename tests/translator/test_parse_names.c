/*
 * test_parse_names.c: ast_name_at, the scope-resolved index of names that
 * the lowering uses for text that is no AST node (typeof operands, array
 * sizes, typedef names in types).
 */
#include "parse_helpers.h"

/* The offset of the n-th (0-based) occurrence of word in the source. */
static size_t nth(const char *code, const char *word, int n) {
  const char *p = code;
  for (;; p++) {
    p = strstr(p, word);
    cr_assert(p, "no occurrence %d of %s", n, word);
    if (n-- == 0)
      return (size_t)(p - code);
  }
}

Test(parse_names, typeof_operand_and_array_size_resolve_by_scope) {
  const char *code = "void f(void) {\n"
                     "  long x = 1;\n"
                     "  { char x = 2; (void)x; }\n"
                     "  { __typeof__(x) y = 3; char buf[x]; (void)y; (void)buf; }\n"
                     "}\n";
  Node *tu = parse_ok(code);
  Node *outer = stmt_at(tu, 0);
  Decl *long_x = outer->decls.items[0];
  Decl *at_typeof = ast_name_at(nth(code, "x", 3));
  Decl *at_size = ast_name_at(nth(code, "x", 4));
  cr_assert_eq(at_typeof, long_x, "typeof(x) is not the outer long x");
  cr_assert_eq(at_size, long_x, "buf[x] is not the outer long x");
  cr_assert_null(ast_name_at(nth(code, "y", 0)), "a declarator is no use");
}

Test(parse_names, typedef_names_resolve_to_their_declaration) {
  const char *code = "typedef int U;\n"
                     "void f(void) {\n"
                     "  { typedef char U; U a = 1; (void)a; }\n"
                     "  { typedef long U; U b = (U)2; (void)b; }\n"
                     "  U c = 3; (void)c;\n"
                     "}\n";
  parse_ok(code);
  Decl *file_u = ast_name_at(nth(code, "U", 0));
  Decl *char_u = ast_name_at(nth(code, "U", 1));
  Decl *long_u = ast_name_at(nth(code, "U", 3));
  cr_assert_not_null(file_u);
  cr_assert_eq(file_u->kind, DK_TYPEDEF);
  cr_assert_neq(char_u, file_u);
  cr_assert_neq(long_u, char_u);
  cr_assert_eq(ast_name_at(nth(code, "U", 2)), char_u, "U a");
  cr_assert_eq(ast_name_at(nth(code, "U", 4)), long_u, "U b");
  cr_assert_eq(ast_name_at(nth(code, "U", 5)), long_u, "(U)2");
  cr_assert_eq(ast_name_at(nth(code, "U", 6)), file_u, "U c");
}
