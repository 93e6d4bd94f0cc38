/*
 * test_parse_keywords.c: `async` and `await` are keywords only in context
 * (translator/keywords.c, docs/language.md): elsewhere they are names, and
 * Source.keywords lists exactly the words read as keywords.
 */
#include "parse_helpers.h"

/* The words of the buffer read as keywords, as "async@OFF await@OFF". */
static const char *keywords(void) {
  Str s = {0};
  for (int i = 0; i < test_src->keywords.len; i++) {
    size_t at = (size_t)(intptr_t)test_src->keywords.items[i];
    str_printf(&s, "%s%.5s@%zu", i ? " " : "", test_src->text + at, at);
  }
  return s.len ? str_cstr(&s) : "";
}

Test(keywords, libuv_members_and_parameters_are_names) {
  parse_ok("typedef struct uv_async_s uv_async_t;\n"
           "typedef void (*uv_async_cb)(uv_async_t *async);\n"
           "struct uv_loop_s { uv_async_t *async; int await; };\n"
           "int uv_async_init(void *loop, uv_async_t *async, uv_async_cb c);\n");
  cr_assert_str_eq(keywords(), "");
}

Test(keywords, async_before_more_specifiers_is_the_specifier) {
  parse_ok("typedef int T;\n"
           "async int a(void);\n"
           "static async T b(void);\n"
           "async static long c(void);\n"
           "async __attribute__((unused)) int d(void);\n");
  cr_assert_str_eq(keywords(), "async@15 async@41 async@58 async@85");
}

Test(keywords, async_before_a_declarator_is_a_name) {
  Node *tu = parse_ok("int async;\n"
                      "int async2(int async) { return async + 1; }\n"
                      "void (*cb)(int async);\n"
                      "int g(void) { return async2(async); }\n");
  cr_assert_str_eq(keywords(), "");
  cr_assert_str_eq(((Decl *)((Node *)tu->args.items[0])->decls.items[0])->name,
                   "async");
}

Test(keywords, await_is_an_operator_only_in_async_bodies) {
  Node *tu = parse_ok("int await;\n"
                      "int plain(int x) { return await + x; }\n"
                      "async int f(int x) { return x; }\n"
                      "async int g(void) { return await f(1); }\n");
  Node *ret = func_named(tu, "plain")->body->args.items[0];
  assert_kind(ret->lhs, ND_BINARY);
  assert_kind(ret->lhs->lhs, ND_IDENT);
  Node *aw = func_named(tu, "g")->body->args.items[0];
  assert_kind(aw->lhs, ND_AWAIT);
  cr_assert_str_eq(keywords(), "async@50 async@83 await@110");
}

Test(keywords, await_without_an_operand_is_a_name_in_async_bodies) {
  Node *tu = parse_ok("struct s { int await; } v;\n"
                      "int await(int x);\n"
                      "async int g(struct s *p) {\n"
                      "  int a = p->await + v.await;\n"
                      "  int b = (await)(a);\n"
                      "  struct s w = {.await = b};\n"
                      "  return w.await;\n"
                      "}\n");
  cr_assert_str_eq(keywords(), "async@45");
  Node *b = func_named(tu, "g")->body->args.items[1];
  Node *call = ((Decl *)b->decls.items[0])->init;
  assert_kind(call, ND_CALL);
  assert_text(call->lhs, "(await)");
}

Test(keywords, await_before_prefix_operators_and_constants) {
  Node *tu = parse_ok("async int *f(void);\n"
                      "async int g(void) { int x = await *f(); "
                      "return -await (f()); }\n");
  Node *g = func_named(tu, "g");
  Node *x = ((Decl *)((Node *)g->body->args.items[0])->decls.items[0])->init;
  assert_kind(x, ND_AWAIT);
  Node *ret = g->body->args.items[1];
  assert_kind(ret->lhs->lhs, ND_AWAIT);
}

Test(keywords, the_body_ends_at_its_closing_brace) {
  Node *tu = parse_ok("async int f(void) { { } return ({ 1; }); }\n"
                      "int after(int await) { return await * 2; }\n");
  Node *ret = func_named(tu, "after")->body->args.items[0];
  assert_kind(ret->lhs, ND_BINARY);
}

Test(keywords, await_declared_in_an_async_body_is_reserved,
     .init = cr_redirect_stderr) {
  cr_assert_null(parse_str("async int f(int await) { return 0; }\n"));
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "test.ac:1:17: error: 'await' is reserved inside async functions, "
      "where it is an operator; rename this parameter\n");
}
