/*
 * parse_helpers.h: what the front end's criterion tests share: parse a
 * string as a .ac file, find a function's statements, and read back the
 * text a node covers, so tests assert ranges as the code they cover.
 */
#ifndef PARSE_HELPERS_H
#define PARSE_HELPERS_H

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "ast.h"

static Source *test_src __attribute__((unused));

static inline Node *parse_str(const char *code) {
  test_src = source_new("test.ac", xstrdup(code), strlen(code));
  diag_init(test_src);
  return parse_translation_unit(test_src);
}

static inline Node *parse_ok(const char *code) {
  Node *tu = parse_str(code);
  cr_assert(tu, "parse failed: %s", code);
  return tu;
}

/* The text a node covers. */
static inline const char *text_of(const Node *n) {
  return xstrndup(test_src->text + n->begin, n->end - n->begin);
}

static inline const char *decl_text(const Decl *d) {
  return xstrndup(test_src->text + d->begin, d->end - d->begin);
}

static inline Node *func_named(Node *tu, const char *name) {
  for (int i = 0; i < tu->args.len; i++) {
    Node *n = tu->args.items[i];
    if (n->kind == ND_FUNC_DEF && !strcmp(n->name, name))
      return n;
  }
  cr_assert_fail("no function %s", name);
  return NULL;
}

/* The i-th item of the body of the last function in tu. */
static inline Node *stmt_at(Node *tu, int i) {
  Node *fn = tu->args.items[tu->args.len - 1];
  cr_assert_eq(fn->kind, ND_FUNC_DEF);
  cr_assert_lt(i, fn->body->args.len);
  return fn->body->args.items[i];
}

/* The expression of an expression statement, return or first initializer. */
static inline Node *expr_of(Node *s) {
  if (s->kind == ND_DECL_STMT)
    return ((Decl *)s->decls.items[0])->init;
  return s->lhs;
}

/* Parses `PRELUDE void t(void) { STMT }` and returns STMT's expression. */
static inline Node *expr_in(const char *prelude, const char *stmt) {
  char *code = xformat("%s\nasync void t(void) { %s }\n", prelude, stmt);
  return expr_of(stmt_at(parse_ok(code), 0));
}

#define assert_text(node, str) \
  cr_assert_str_eq(text_of(node), str)
#define assert_kind(node, k) \
  cr_assert_eq((node)->kind, k, "%s is %s, not %s", text_of(node), \
               ast_kind_name((node)->kind), ast_kind_name(k))

#endif /* PARSE_HELPERS_H */
