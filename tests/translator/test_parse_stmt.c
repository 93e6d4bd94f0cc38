/*
 * test_parse_stmt.c: statements, the targets the parser links (goto to its
 * label, break/continue to the loop, case to the switch), identifier
 * resolution with exact shadowing, each local's scope node, and ranges.
 */
#include "parse_helpers.h"

Test(parse_stmt, goto_targets_label_even_forward) {
  Node *tu = parse_ok("void f(void) { goto out; out: return; }");
  Node *g = stmt_at(tu, 0);
  assert_kind(g, ND_GOTO);
  cr_assert_eq(g->target, stmt_at(tu, 1));
  assert_text(stmt_at(tu, 1), "out: return;");
}

Test(parse_stmt, break_and_continue_target_innermost) {
  Node *tu = parse_ok("void f(int n) { while (n) { for (;;) { continue; }"
                      " switch (n) { case 1: break; } break; } }");
  Node *w = stmt_at(tu, 0);
  Node *body = w->body;
  Node *fo = body->args.items[0];
  Node *cont = fo->body->args.items[0];
  cr_assert_eq(cont->target, fo);
  Node *sw = body->args.items[1];
  Node *cs = sw->args.items[0];
  cr_assert_eq(cs->target, sw);
  cr_assert_eq(cs->body->target, sw, "break in switch targets the switch");
  Node *brk = body->args.items[2];
  cr_assert_eq(brk->target, w);
}

Test(parse_stmt, switch_lists_its_cases_not_nested_ones) {
  Node *tu = parse_ok("void f(int a, int b) { switch (a) { case 1: "
                      "switch (b) { case 2: default: ; } case 3: default: ; } }");
  Node *sw = stmt_at(tu, 0);
  cr_assert_eq(sw->args.len, 3);
  assert_kind((Node *)sw->args.items[2], ND_DEFAULT);
}

Test(parse_stmt, identifiers_resolve_with_exact_shadowing) {
  Node *tu = parse_ok("int v;\n"
                      "int f(int v) {\n"
                      "  int r = v;\n"
                      "  { int v = 2; r += v; }\n"
                      "  return r + v;\n"
                      "}\n"
                      "int g(void) { return v; }");
  Node *fn = func_named(tu, "f");
  Decl *param = fn->decl->params.items[0];
  Decl *r = ((Node *)fn->body->args.items[0])->decls.items[0];
  cr_assert_eq(r->init->decl, param);
  cr_assert_eq(param->scope, fn);
  Node *blk = fn->body->args.items[1];
  Decl *inner = ((Node *)blk->args.items[0])->decls.items[0];
  cr_assert_eq(inner->scope, blk);
  cr_assert_eq(r->scope, fn->body);
  Node *use = ((Node *)blk->args.items[1])->lhs->rhs;
  cr_assert_eq(use->decl, inner);
  Node *ret = ((Node *)fn->body->args.items[2])->lhs;
  cr_assert_eq(ret->rhs->decl, param);
  Node *gv = expr_of(func_named(tu, "g")->body->args.items[0]);
  cr_assert_not(gv->decl->is_local);
  cr_assert_eq(gv->decl->kind, DK_VAR);
}

Test(parse_stmt, for_declaration_scope_is_the_for) {
  Node *tu = parse_ok("void f(void) { for (int i = 0; i < 3; i++) ; }");
  Node *fo = stmt_at(tu, 0);
  assert_kind(fo->init, ND_DECL_STMT);
  cr_assert_eq(((Decl *)fo->init->decls.items[0])->scope, fo);
  cr_assert_eq(fo->cond->lhs->decl, fo->init->decls.items[0]);
  assert_text(fo, "for (int i = 0; i < 3; i++) ;");
}

Test(parse_stmt, nodes_know_their_function) {
  Node *tu = parse_ok("int f(int a) { if (a) return a + 1; return 0; }");
  Node *fn = func_named(tu, "f");
  Node *iff = stmt_at(tu, 0);
  cr_assert_eq(iff->func, fn);
  cr_assert_eq(iff->then->lhs->lhs->func, fn);
}

Test(parse_stmt, ranges_cover_exact_tokens) {
  Node *tu = parse_ok("int f(int a) {\n  do { a--; } while (a > 0);\n"
                      "  return a ? a : -a;\n}");
  assert_text(stmt_at(tu, 0), "do { a--; } while (a > 0);");
  Node *ret = stmt_at(tu, 1);
  assert_text(ret, "return a ? a : -a;");
  assert_text(ret->lhs, "a ? a : -a");
  assert_text(ret->lhs->els, "-a");
  assert_text(func_named(tu, "f"),
              "int f(int a) {\n  do { a--; } while (a > 0);\n"
              "  return a ? a : -a;\n}");
}

Test(parse_stmt, dangling_else_binds_to_inner_if) {
  Node *tu = parse_ok("void f(int a, int b) { if (a) if (b) a++; else b++; }");
  Node *outer = stmt_at(tu, 0);
  cr_assert_null(outer->els);
  cr_assert_not_null(outer->then->els);
}

Test(parse_stmt, string_literals_concatenate_into_one_node) {
  Node *e = expr_in("", "const char *s = \"a\" \"b\"  L\"c\";");
  assert_kind(e, ND_STRING);
  assert_text(e, "\"a\" \"b\"  L\"c\"");
}
