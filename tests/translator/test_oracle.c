/*
 * test_oracle.c: the sync erasure and the libclang oracle: erasure keeps
 * every offset, types come back for our ranges (await results included,
 * for async calls and hand-written leaf futures), future types are
 * recognised by their poll function, and libclang's errors come out at the
 * .ac position the linemarkers name.
 */
#include "oracle.h"
#include "parse_helpers.h"

#include <criterion/redirect.h>

static const char *leaves =
    "typedef struct ac_context ac_context_t; typedef int ac_poll_t;\n"
    "typedef struct my_leaf { int n; } my_leaf_t;\n"
    "ac_poll_t my_leaf_poll(my_leaf_t *, ac_context_t *, long *out);\n"
    "void my_leaf_drop(my_leaf_t *);\n"
    "my_leaf_t my_leaf(void);\n"
    "typedef struct v_leaf { int n; } v_leaf_t;\n"
    "ac_poll_t v_leaf_poll(v_leaf_t *, ac_context_t *, void *out);\n"
    "void v_leaf_drop(v_leaf_t *);\n"
    "v_leaf_t v_leaf(void);\n"
    "struct point { double x, y; };\n"
    "async unsigned short f(int);\n";

static Oracle *open_ok(Node **tu, const char *body) {
  *tu = parse_ok(xformat("%s\n%s", leaves, body));
  Oracle *o = oracle_open(test_src, NULL, 0);
  cr_assert(o, "the erasure type-checks");
  return o;
}

static const char *type_of(Oracle *o, const Node *n) {
  const char *t = oracle_expr_type(o, n->begin, n->end);
  cr_assert(t, "a type for %s", text_of(n));
  return t;
}

Test(erasure, keeps_offsets_and_erases_only_keywords) {
  const char *text = "# 1 \"async.ac\"\nasync int f(const char *);\n"
                     "async int awaited(void) "
                     "{ return await f(\"await\") + 'a'; }\n";
  parse_ok(text);
  char *e = erase_async(test_src);
  cr_assert_str_eq(e, "# 1 \"async.ac\"\n      int f(const char *);\n"
                      "      int awaited(void) "
                      "{ return       f(\"await\") + 'a'; }\n");
}

Test(erasure, keeps_async_and_await_used_as_names) {
  const char *text = "struct s { int async, await; };\n"
                     "int async(int await) { return await; }\n"
                     "async int g(struct s *p) "
                     "{ return await async(p->await) + p->async; }\n";
  parse_ok(text);
  char *e = erase_async(test_src);
  cr_assert_str_eq(e, "struct s { int async, await; };\n"
                      "int async(int await) { return await; }\n"
                      "      int g(struct s *p) "
                      "{ return       async(p->await) + p->async; }\n");
}

Test(oracle, await_of_async_call_has_declared_return_type) {
  Node *tu;
  Oracle *o = open_ok(&tu, "async int g(void) { int r = await f(1) + 1; "
                           "return r; }");
  Node *sum = expr_of(stmt_at(tu, 0));
  cr_assert_str_eq(type_of(o, sum->lhs), "unsigned short");
  cr_assert_str_eq(type_of(o, sum), "int");
  cr_assert_str_eq(type_of(o, sum->lhs->lhs), "unsigned short");
}

Test(oracle, await_of_leaf_future_has_output_type) {
  Node *tu;
  Oracle *o = open_ok(&tu, "async int g(void) { long r = await my_leaf() * 2;"
                           " await v_leaf(); return (int)r; }");
  Node *prod = expr_of(stmt_at(tu, 0));
  cr_assert_str_eq(type_of(o, prod->lhs), "long");
  cr_assert_str_eq(type_of(o, prod), "long");
  cr_assert_str_eq(type_of(o, prod->lhs->lhs), "my_leaf_t");
  Node *vaw = expr_of(stmt_at(tu, 1));
  cr_assert(oracle_expr_is_void(o, vaw->begin, vaw->end));
}

Test(oracle, member_and_pointer_types) {
  Node *tu;
  Oracle *o = open_ok(&tu, "void g(struct point *p) { p->x = 1; &p->y; }");
  Node *as = expr_of(stmt_at(tu, 0));
  cr_assert_str_eq(type_of(o, as->lhs), "double");
  cr_assert_str_eq(type_of(o, as->lhs->lhs), "struct point *");
  cr_assert_str_eq(type_of(o, expr_of(stmt_at(tu, 1))), "double *");
}

Test(oracle, anonymous_struct_type_is_spelled_with_typeof) {
  Node *tu;
  Oracle *o = open_ok(&tu, "struct { int a; } s; void g(void) { s; }");
  cr_assert_str_eq(type_of(o, expr_of(stmt_at(tu, 0))), "__typeof__(s)");
}

Test(oracle, variably_modified_declarations) {
  Node *tu;
  Oracle *o = open_ok(&tu, "void g(int n) { int a[n]; int b[4]; "
                           "int (*p)[n] = 0; (void)a; (void)b; (void)p; }");
  Decl *a = ((Node *)stmt_at(tu, 0))->decls.items[0];
  Decl *b = ((Node *)stmt_at(tu, 1))->decls.items[0];
  Decl *p = ((Node *)stmt_at(tu, 2))->decls.items[0];
  cr_assert(oracle_decl_is_vm(o, a->name_off));
  cr_assert_not(oracle_decl_is_vm(o, b->name_off));
  cr_assert(oracle_decl_is_vm(o, p->name_off));
}

Test(oracle, future_info_from_poll_declaration) {
  Node *tu;
  Oracle *o = open_ok(&tu, "");
  const char *poll, *drop, *out;
  cr_assert(oracle_future_info(o, "my_leaf_t", &poll, &drop, &out));
  cr_assert_str_eq(poll, "my_leaf_poll");
  cr_assert_str_eq(drop, "my_leaf_drop");
  cr_assert_str_eq(out, "long");
  cr_assert(oracle_future_info(o, "v_leaf_t", NULL, NULL, &out));
  cr_assert_str_eq(out, "void");
  cr_assert_not(oracle_future_info(o, "int", NULL, NULL, NULL));
  cr_assert_not(oracle_future_info(o, "ac_context_t", NULL, NULL, NULL));
}

Test(oracle, no_expression_no_type) {
  Node *tu;
  Oracle *o = open_ok(&tu, "int x;");
  cr_assert_null(oracle_expr_type(o, 0, 3));
}

Test(oracle, errors_are_reported_at_presumed_ac_positions,
     .init = cr_redirect_stderr) {
  const char *code = "# 1 \"lib.h\" 1\n"
                     "int helper(void);\n"
                     "# 7 \"user.ac\" 2\n"
                     "int g(void) {\n"
                     "  return nosuch + helper();\n"
                     "}\n";
  test_src = source_new("user.ac", xstrdup(code), strlen(code));
  diag_init(test_src);
  cr_assert(parse_translation_unit(test_src));
  int before = diag_error_count();
  Oracle *o = oracle_open(test_src, NULL, 0);
  cr_assert(o && oracle_has_errors(o), "the oracle keeps answering");
  cr_assert_eq(diag_error_count(), before + 1);
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "user.ac:8:10: error: use of undeclared identifier 'nosuch'\n");
}

Test(oracle, warnings_are_not_errors) {
  Node *tu;
  open_ok(&tu, "int g(void) { long l = 0; int *p = &l; return *p; }");
}

/* C forbids it and gcc rejects some forms of it, so acc reports it rather
   than hand cc output it may refuse. */
Test(oracle, pointer_to_integer_without_cast_is_an_error,
     .init = cr_redirect_stderr) {
  parse_ok("int g(void) {\n  int x = \"str\";\n  return x;\n}\n");
  Oracle *o = oracle_open(test_src, NULL, 0);
  cr_assert(o && oracle_has_errors(o));
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "test.ac:2:7: error: incompatible pointer to integer conversion "
      "initializing 'int' with an expression of type 'char[4]'\n");
}

Test(oracle, std_argument_is_honoured, .init = cr_redirect_stderr) {
  const char *args[] = {"-std=c11"};
  parse_ok("int g(void) { typeof(1) x = 0; return x; }");
  cr_assert(oracle_open(test_src, NULL, 0), "typeof is GNU C");
  parse_ok("int g(void) { typeof(1) x = 0; return x; }");
  Oracle *o = oracle_open(test_src, args, 1);
  cr_assert(o && oracle_has_errors(o), "but not C11");
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "test.ac:1:24: error: expected ';' after expression\n"
      "test.ac:1:25: error: use of undeclared identifier 'x'\n"
      "test.ac:1:39: error: use of undeclared identifier 'x'\n");
}
