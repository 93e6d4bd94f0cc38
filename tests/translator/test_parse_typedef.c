/*
 * test_parse_typedef.c: the typedef-name ambiguities of C, each named after
 * its trap: the same tokens are a cast or a product, a declaration or an
 * expression, depending on what the names were declared as.
 */
#include "parse_helpers.h"

static const char *prelude = "typedef int T; int a, *x;";

Test(parse_typedef, cast_of_deref_when_name_is_typedef) {
  Node *e = expr_in(prelude, "(T)*x;");
  assert_kind(e, ND_CAST);
  assert_text(e, "(T)*x");
  assert_kind(e->lhs, ND_DEREF);
  assert_text(e->lhs, "*x");
  cr_assert_str_eq(xstrndup(test_src->text + e->type_begin,
                            e->type_end - e->type_begin), "T");
}

Test(parse_typedef, product_when_name_is_variable) {
  Node *e = expr_in(prelude, "(a)*x;");
  assert_kind(e, ND_BINARY);
  cr_assert_str_eq(e->op, "*");
  assert_text(e->lhs, "(a)");
  assert_kind(e->lhs, ND_IDENT);
  assert_text(e->rhs, "x");
}

Test(parse_typedef, pointer_declaration_when_name_is_typedef) {
  Node *s = stmt_at(parse_ok("typedef int T; void f(void) { T * y; }"), 0);
  assert_kind(s, ND_DECL_STMT);
  cr_assert_eq(s->decls.len, 1);
  Decl *d = s->decls.items[0];
  cr_assert_str_eq(d->name, "y");
  cr_assert_str_eq(decl_text(d), "* y");
  cr_assert(d->is_local);
  assert_text(s, "T * y;");
}

Test(parse_typedef, multiplication_statement_when_name_is_variable) {
  Node *s = stmt_at(parse_ok("int a, y; void f(void) { a * y; }"), 0);
  assert_kind(s, ND_EXPR_STMT);
  assert_kind(s->lhs, ND_BINARY);
}

Test(parse_typedef, variable_shadows_typedef_in_inner_scope) {
  Node *tu = parse_ok("typedef int T;\n"
                      "void f(void) {\n"
                      "  { int T = 2; T * 3; }\n"
                      "  T y = 1;\n"
                      "}\n");
  Node *inner = stmt_at(tu, 0);
  assert_kind(inner, ND_BLOCK);
  Node *decl = inner->args.items[0];
  Node *use = inner->args.items[1];
  assert_kind(use, ND_EXPR_STMT);
  assert_kind(use->lhs, ND_BINARY);
  cr_assert_eq(use->lhs->lhs->decl, decl->decls.items[0],
               "T resolves to the inner variable");
  Node *after = stmt_at(tu, 1);
  assert_kind(after, ND_DECL_STMT);
  cr_assert_str_eq(((Decl *)after->decls.items[0])->name, "y");
}

Test(parse_typedef, typedef_name_redeclared_after_type_specifier) {
  Node *tu = parse_ok("typedef int T; void f(void) { long T = 1; T++; }");
  assert_kind(stmt_at(tu, 0), ND_DECL_STMT);
  Node *inc = expr_of(stmt_at(tu, 1));
  assert_kind(inc, ND_POSTINC);
  cr_assert_eq(inc->lhs->decl->kind, DK_VAR);
}

Test(parse_typedef, parameter_shadows_typedef_in_body) {
  Node *tu = parse_ok("typedef int T; int f(int T) { return T * 2; }");
  Node *e = expr_of(stmt_at(tu, 0));
  assert_kind(e, ND_BINARY);
  cr_assert(e->lhs->decl->is_param);
}

Test(parse_typedef, parenthesized_typedef_parameter_is_a_function_type) {
  Node *tu = parse_ok("typedef int T; void g(int (T)); void h(void) { T v; }");
  Node *decl = tu->args.items[1];
  Decl *g = decl->decls.items[0];
  cr_assert_eq(g->kind, DK_FUNC);
  cr_assert_eq(g->params.len, 1);
  cr_assert_null(((Decl *)g->params.items[0])->name);
  assert_kind(stmt_at(tu, 0), ND_DECL_STMT);
}

Test(parse_typedef, typedef_in_block_ends_with_block) {
  Node *tu = parse_ok("int U; void f(void) { { typedef int U; U v; } U * 2; }");
  assert_kind(stmt_at(tu, 1), ND_EXPR_STMT);
}

Test(parse_typedef, sizeof_type_versus_sizeof_expression) {
  Node *e = expr_in(prelude, "sizeof(T) + sizeof(a) + sizeof a;");
  assert_kind(e->lhs->lhs, ND_SIZEOF_TYPE);
  assert_kind(e->lhs->rhs, ND_SIZEOF_EXPR);
  assert_text(e->lhs->rhs->lhs, "(a)");
  assert_kind(e->rhs, ND_SIZEOF_EXPR);
}

Test(parse_typedef, compound_literal_with_typedef) {
  Node *e = expr_in("typedef struct { int a, b; } P;", "(P){1, 2};");
  assert_kind(e, ND_COMPOUND_LIT);
  assert_kind(e->init, ND_INIT_LIST);
  assert_text(e->init, "{1, 2}");
  cr_assert_eq(e->init->args.len, 2);
}

Test(parse_typedef, label_may_reuse_a_typedef_name) {
  Node *tu = parse_ok("typedef int T; void f(void) { goto T; T: ; T x = 0; }");
  Node *g = stmt_at(tu, 0);
  Node *label = stmt_at(tu, 1);
  assert_kind(label, ND_LABEL);
  cr_assert_eq(g->target, label);
  assert_kind(stmt_at(tu, 2), ND_DECL_STMT);
}
