/*
 * test_parse_gnu.c: GNU C as system headers and real programs write it:
 * attributes in odd places, asm labels and statements, statement
 * expressions, ranges in case labels and designators, computed goto.
 */
#include "parse_helpers.h"

Test(parse_gnu, attributes_in_odd_places) {
  parse_ok(
      "int __attribute__((unused)) a;\n"
      "struct __attribute__((packed)) S { int x __attribute__((aligned(8))); }"
      " __attribute__((aligned(4)));\n"
      "int * __attribute__((aligned(8))) p;\n"
      "extern int g(int x __attribute__((unused))) __attribute__((noreturn))"
      " __asm__(\"g2\");\n"
      "__attribute__((constructor)) static void init(void) {}\n"
      "enum E { E1 __attribute__((deprecated)) = 1 };\n"
      "void h(int c) {\n"
      "  switch (c) { case 1: c++; __attribute__((fallthrough)); default: ; }\n"
      "  lbl: __attribute__((unused));\n"
      "  int v __attribute__((cleanup(free_it)));\n"
      "}\n");
}

Test(parse_gnu, extension_typeof_and_auto_type) {
  Node *tu = parse_ok(
      "__extension__ typedef long long ll;\n"
      "__typeof__(1 + 2) a; typeof(int *) b;\n"
      "void f(void) { __auto_type q = a; __extension__ ({ 1; }); }");
  Node *fn = func_named(tu, "f");
  Node *e = expr_of(fn->body->args.items[1]);
  assert_kind(e, ND_STMT_EXPR);
  assert_text(e, "__extension__ ({ 1; })");
}

Test(parse_gnu, statement_expression_has_block_body) {
  Node *e = expr_in("", "int y = ({ int t = 2; t * 3; });");
  assert_kind(e, ND_STMT_EXPR);
  assert_kind(e->body, ND_BLOCK);
  cr_assert_eq(e->body->args.len, 2);
}

Test(parse_gnu, conditional_without_middle_operand) {
  Node *e = expr_in("int a, b;", "a ?: b;");
  assert_kind(e, ND_COND);
  cr_assert_null(e->then);
  assert_text(e->els, "b");
}

Test(parse_gnu, case_range_and_designator_range) {
  Node *tu = parse_ok("void f(int c) { int t[8] = { [0 ... 3] = 1, [4] = 2 };"
                      " switch (c) { case 1 ... 5: break; } }");
  Node *init = expr_of(stmt_at(tu, 0));
  Node *item = init->args.items[0];
  assert_kind(item, ND_INIT_ITEM);
  cr_assert_str_eq(xstrndup(test_src->text + item->type_begin,
                            item->type_end - item->type_begin),
                   "[0 ... 3] =");
  Node *sw = stmt_at(tu, 1);
  Node *c = sw->args.items[0];
  assert_kind(c, ND_CASE);
  assert_text(c->rhs, "5");
}

Test(parse_gnu, computed_goto_and_label_address) {
  Node *tu = parse_ok("void f(void) { void *p = &&out; goto *p; out: ; }");
  assert_kind(expr_of(stmt_at(tu, 0)), ND_LABEL_ADDR);
  assert_kind(stmt_at(tu, 1), ND_GOTO_INDIRECT);
}

Test(parse_gnu, builtins_with_type_operands) {
  Node *tu = parse_ok(
      "struct P { int a[4]; };\n"
      "void f(__builtin_va_list ap) {\n"
      "  int x = __builtin_va_arg(ap, int);\n"
      "  unsigned long o = __builtin_offsetof(struct P, a[2]);\n"
      "  int c = __builtin_types_compatible_p(int, long);\n"
      "  int g = _Generic(x, int: 1, long: 2, default: 3);\n"
      "}");
  Node *va = expr_of(stmt_at(tu, 0));
  assert_kind(va, ND_VA_ARG);
  assert_text(va->lhs, "ap");
  assert_kind(expr_of(stmt_at(tu, 1)), ND_OFFSETOF);
  assert_kind(expr_of(stmt_at(tu, 2)), ND_TYPES_COMPAT);
  Node *g = expr_of(stmt_at(tu, 3));
  assert_kind(g, ND_GENERIC);
  cr_assert_eq(g->args.len, 3);
  Node *dflt = g->args.items[2];
  cr_assert_eq(dflt->type_begin, dflt->type_end);
}

Test(parse_gnu, asm_statements_and_local_labels) {
  Node *tu = parse_ok("__asm__(\".globl x\");\n"
                      "void f(int x) { __label__ l; "
                      "__asm__ volatile (\"nop\" : : \"r\"(x) : \"memory\");"
                      " l: ; }");
  assert_kind((Node *)tu->args.items[0], ND_TOP_ASM);
  assert_kind(stmt_at(tu, 1), ND_ASM);
}

Test(parse_gnu, nested_function_is_reported, .init = cr_redirect_stderr) {
  cr_assert_null(parse_str("void f(void) { int g(void) { return 1; } }"));
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "test.ac:1:20: error: nested function 'g' is not supported\n");
}

Test(parse_gnu, int128_floatn_and_atomic) {
  parse_ok("__int128 a; unsigned __int128 b; _Float128 c; __float128 d;"
           " _Atomic(int) e; _Atomic int f; _Alignas(16) char g[16];"
           " _Thread_local int h; __thread int i; _Complex double j;");
}
