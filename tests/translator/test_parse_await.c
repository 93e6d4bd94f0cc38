/*
 * test_parse_await.c: `await` is a prefix operator at the precedence of `!`:
 * postfix operators bind tighter, every binary operator looser.  Each test
 * names the operator class it checks against.
 */
#include "parse_helpers.h"

static const char *prelude =
    "async int f(int);\n"
    "async int *g(void);\n"
    "struct S { int fut; } *p;\n"
    "int x, y, c;\n";

static Node *await_expr(const char *stmt) { return expr_in(prelude, stmt); }

Test(parse_await, binary_plus_is_looser) {
  Node *e = await_expr("x = await f(x) + 1;")->rhs;
  assert_kind(e, ND_BINARY);
  assert_kind(e->lhs, ND_AWAIT);
  assert_text(e->lhs, "await f(x)");
  assert_text(e->lhs->lhs, "f(x)");
  cr_assert(e->has_await);
  cr_assert_not(e->rhs->has_await);
}

Test(parse_await, subscript_is_tighter) {
  Node *e = await_expr("x = await g()[0];")->rhs;
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_INDEX);
  assert_text(e->lhs, "g()[0]");
}

Test(parse_await, member_access_is_tighter) {
  Node *e = await_expr("x = await p->fut;")->rhs;
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_ARROW);
}

Test(parse_await, postfix_increment_is_tighter) {
  Node *e = await_expr("await x++;");
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_POSTINC);
}

Test(parse_await, await_await_nests) {
  Node *e = await_expr("x = await await f(1);")->rhs;
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_AWAIT);
  assert_text(e->lhs, "await f(1)");
}

Test(parse_await, nested_in_argument) {
  Node *e = await_expr("x = await f(await f(2));")->rhs;
  assert_kind(e->lhs, ND_CALL);
  assert_kind((Node *)e->lhs->args.items[0], ND_AWAIT);
}

Test(parse_await, unary_minus_outside_applies_to_result) {
  Node *e = await_expr("x = -await f(1);")->rhs;
  assert_kind(e, ND_NEG);
  assert_kind(e->lhs, ND_AWAIT);
}

Test(parse_await, unary_operator_inside_applies_to_operand) {
  Node *e = await_expr("x = await *g();")->rhs;
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_DEREF);
}

Test(parse_await, logical_not_outside) {
  Node *e = await_expr("x = !await f(1);")->rhs;
  assert_kind(e, ND_NOT);
  assert_kind(e->lhs, ND_AWAIT);
}

Test(parse_await, cast_of_await_result) {
  Node *e = await_expr("x = (long)await f(1);")->rhs;
  assert_kind(e, ND_CAST);
  assert_kind(e->lhs, ND_AWAIT);
}

Test(parse_await, await_of_cast_operand) {
  Node *e = await_expr("x = await (int)f(1);")->rhs;
  assert_kind(e, ND_AWAIT);
  assert_kind(e->lhs, ND_CAST);
}

Test(parse_await, sizeof_applies_to_await_expression) {
  Node *e = await_expr("x = sizeof await f(1);")->rhs;
  assert_kind(e, ND_SIZEOF_EXPR);
  assert_kind(e->lhs, ND_AWAIT);
}

Test(parse_await, multiplicative_and_shift_are_looser) {
  Node *e = await_expr("x = await f(1) * 2 << await f(3);")->rhs;
  assert_kind(e, ND_BINARY);
  cr_assert_str_eq(e->op, "<<");
  assert_kind(e->lhs->lhs, ND_AWAIT);
  assert_kind(e->rhs, ND_AWAIT);
}

Test(parse_await, logical_operators_keep_short_circuit_operands) {
  Node *e = await_expr("x = c && await f(1) || await f(2);")->rhs;
  assert_kind(e, ND_LOGOR);
  assert_kind(e->lhs, ND_LOGAND);
  assert_kind(e->lhs->rhs, ND_AWAIT);
  assert_kind(e->rhs, ND_AWAIT);
}

Test(parse_await, conditional_operands) {
  Node *e = await_expr("x = c ? await f(1) : await f(2);")->rhs;
  assert_kind(e, ND_COND);
  assert_kind(e->then, ND_AWAIT);
  assert_kind(e->els, ND_AWAIT);
  cr_assert_not(e->cond->has_await);
}

Test(parse_await, assignment_and_compound_assignment) {
  Node *e = await_expr("x += await f(1);");
  assert_kind(e, ND_ASSIGN);
  cr_assert_str_eq(e->op, "+=");
  assert_kind(e->rhs, ND_AWAIT);
}

Test(parse_await, comma_sequences_awaits) {
  Node *e = await_expr("await f(1), await f(2);");
  assert_kind(e, ND_COMMA);
  assert_kind(e->lhs, ND_AWAIT);
  assert_kind(e->rhs, ND_AWAIT);
}

Test(parse_await, parenthesized_await_is_widened) {
  Node *e = await_expr("x = (await f(1)) * 2;")->rhs;
  assert_kind(e->lhs, ND_AWAIT);
  assert_text(e->lhs, "(await f(1))");
  cr_assert_eq(e->lhs->op_off, e->lhs->begin + 1);
}

Test(parse_await, has_await_reaches_statements_and_function) {
  Node *tu = parse_ok("async int f(int);\n"
                      "async int h(int c) { if (c) { while (c) c = await f(c); }"
                      " return 0; }");
  Node *fn = func_named(tu, "h");
  cr_assert(fn->has_await);
  cr_assert(((Node *)fn->body->args.items[0])->has_await);
  cr_assert_not(((Node *)fn->body->args.items[1])->has_await);
}

Test(parse_await, async_is_a_function_specifier) {
  Node *tu = parse_ok("static async void g(void);\n"
                      "async int main(void) { await g(); return 0; }");
  cr_assert(((Decl *)((Node *)tu->args.items[0])->decls.items[0])->is_async);
  cr_assert(func_named(tu, "main")->decl->is_async);
}
