/*
 * test_parse_decl.c: declarators of any depth, what a name declares
 * (object, function, typedef), parameters, VLAs, and redeclarations.
 */
#include "parse_helpers.h"

static Decl *first_decl(Node *tu, int i) {
  Node *d = tu->args.items[i];
  cr_assert(d->kind == ND_DECLARATION || d->kind == ND_DECL_STMT);
  return d->decls.items[0];
}

Test(parse_decl, pointer_to_function_returning_pointer_to_array) {
  Decl *d = first_decl(parse_ok("int (*(*f)(int))[3];"), 0);
  cr_assert_str_eq(d->name, "f");
  cr_assert_eq(d->kind, DK_VAR);
  cr_assert_str_eq(decl_text(d), "(*(*f)(int))[3]");
}

Test(parse_decl, function_returning_pointer_is_a_function) {
  Decl *d = first_decl(parse_ok("int *g(int a, char *b);"), 0);
  cr_assert_eq(d->kind, DK_FUNC);
  cr_assert_eq(d->params.len, 2);
  cr_assert_str_eq(((Decl *)d->params.items[1])->name, "b");
  cr_assert(((Decl *)d->params.items[1])->is_param);
}

Test(parse_decl, pointer_to_function_is_an_object) {
  Decl *d = first_decl(parse_ok("int (*h)(int);"), 0);
  cr_assert_eq(d->kind, DK_VAR);
  cr_assert_eq(d->params.len, 0);
}

Test(parse_decl, function_returning_pointer_to_array) {
  Decl *d = first_decl(parse_ok("int (*k(int n))[3];"), 0);
  cr_assert_eq(d->kind, DK_FUNC);
  cr_assert_eq(d->params.len, 1);
}

Test(parse_decl, void_parameter_list_is_empty_and_ellipsis_is_variadic) {
  Node *tu = parse_ok("int f(void); int g(const char *fmt, ...);");
  cr_assert_eq(first_decl(tu, 0)->params.len, 0);
  cr_assert(first_decl(tu, 1)->is_variadic);
  cr_assert_eq(first_decl(tu, 1)->params.len, 1);
}

Test(parse_decl, typedef_declares_typedef_name) {
  Decl *d = first_decl(parse_ok("typedef int (*fn_t)(void);"), 0);
  cr_assert_eq(d->kind, DK_TYPEDEF);
  cr_assert_str_eq(d->name, "fn_t");
}

Test(parse_decl, variable_length_array_is_flagged) {
  Node *tu = parse_ok("enum { N = 4 };\n"
                      "void f(int n) { int a[n]; int b[N + sizeof(int)]; }");
  Node *fn = func_named(tu, "f");
  cr_assert(((Decl *)((Node *)fn->body->args.items[0])->decls.items[0])->is_vla);
  cr_assert_not(
      ((Decl *)((Node *)fn->body->args.items[1])->decls.items[0])->is_vla);
}

Test(parse_decl, initializer_sees_its_own_declarator) {
  Node *tu = parse_ok("void f(void) { int x = sizeof x; }");
  Decl *x = first_decl(func_named(tu, "f")->body, 0);
  cr_assert_eq(x->init->lhs->decl, x);
  cr_assert_eq(x->init_off, x->end + 1);
}

Test(parse_decl, async_prototype_marks_definition_async) {
  Node *tu = parse_ok("async int f(int);\nint f(int x) { return x; }\n"
                      "void g(void) { f(1); }");
  Node *def = func_named(tu, "f");
  cr_assert(def->decl->is_async);
  cr_assert_eq(def->decl->first, first_decl(tu, 0));
  cr_assert_eq(first_decl(tu, 0)->def, def);
  Node *call = expr_of(stmt_at(tu, 0));
  cr_assert_eq(call->lhs->decl->def, def);
}

Test(parse_decl, spec_records_storage_async_and_tags) {
  Node *tu = parse_ok("static async int f(void);\n"
                      "struct S { int a; } s; typedef struct S S_t;");
  Node *d0 = tu->args.items[0];
  cr_assert(d0->spec->is_async);
  cr_assert_eq(d0->spec->storage, SC_STATIC);
  Node *d1 = tu->args.items[1];
  cr_assert_eq(d1->spec->tags.len, 1);
  assert_text((Node *)d1->spec->tags.items[0], "struct S { int a; }");
  cr_assert_eq(((Node *)tu->args.items[2])->spec->tags.len, 0);
}

Test(parse_decl, enumerators_are_declared_in_order) {
  Node *tu = parse_ok("enum { A, B = A + 1 }; int x = B;");
  Decl *x = first_decl(tu, 1);
  cr_assert_eq(x->init->decl->kind, DK_ENUMCONST);
  cr_assert_str_eq(x->init->decl->name, "B");
}

Test(parse_decl, bit_fields_and_anonymous_members) {
  parse_ok("struct S { unsigned a : 3, : 0; __extension__ union { int u; "
           "float f; }; _Static_assert(1, \"ok\"); };");
}

Test(parse_decl, syntax_error_returns_null_and_counts,
     .init = cr_redirect_stderr) {
  int before = diag_error_count();
  cr_assert_null(parse_str("int x = ;"));
  cr_assert_eq(diag_error_count(), before + 1);
  fflush(stderr);
  cr_assert_stderr_eq_str("test.ac:1:9: error: expected expression before ';'\n");
}

Test(parse_decl, k_and_r_free_declarators_of_any_depth) {
  parse_ok("void (*signal(int sig, void (*func)(int)))(int);\n"
           "char *(*(**foo[][8])())[];\n"
           "int (*(*x[3])(void))(int (*)(long), ...);");
}

Test(parse_decl, block_scope_prototype_names_the_file_scope_function) {
  Node *tu = parse_ok("async int f(int);\n"
                      "async int g(void) { int f(int); return await f(1); }\n"
                      "async int f(int x) { return x; }");
  Node *g = func_named(tu, "g");
  Decl *local = ((Node *)g->body->args.items[0])->decls.items[0];
  cr_assert(local->is_local);
  cr_assert_eq(local->first, ((Node *)tu->args.items[0])->decls.items[0]);
  cr_assert(local->is_async);
  cr_assert_eq(local->def, func_named(tu, "f"));
}

Test(parse_decl, k_and_r_definition_takes_parameter_types_from_its_declarations) {
  Node *tu = parse_ok("typedef long T;\n"
                      "static T add(b, a) int a; T b; { return a + b; }");
  Node *f = func_named(tu, "add");
  cr_assert(f->decl->is_kr);
  cr_assert_eq(f->decl->params.len, 2);
  Decl *b = f->decl->params.items[0], *a = f->decl->params.items[1];
  cr_assert_str_eq(b->name, "b", "parameters come in identifier-list order");
  cr_assert_str_eq(a->name, "a");
  cr_assert(a->is_param && b->is_param);
  cr_assert_eq(a->scope, f);
  Node *ret = f->body->args.items[0];
  cr_assert_eq(ret->lhs->lhs->decl, a, "the body sees the parameter");
}

Test(parse_decl, k_and_r_mistakes_are_reported, .init = cr_redirect_stderr) {
  cr_assert_null(parse_str("int g(a, b);\n"
                           "int f(a, b) int a; int c; { return a; }\n"
                           "async int h(a) int a; { return a; }"));
  fflush(stderr);
  cr_assert_stderr_eq_str(
      "test.ac:1:5: error: a parameter list without types is only allowed "
      "in a function definition\n"
      "test.ac:2:5: error: parameter 'b' of 'f' has no declaration\n"
      "test.ac:2:24: error: 'c' is not in the parameter list of 'f'\n"
      "test.ac:3:11: error: async function 'h' needs a prototype; K&R "
      "parameter lists are for plain functions\n");
}

Test(parse_decl, name_declared_through_a_function_typedef_is_a_function) {
  Node *tu = parse_ok("typedef int handler(int);\n"
                      "typedef handler also;\n"
                      "handler on_read;\n"
                      "also on_write, *table;\n"
                      "void f(void) { handler local; }");
  Decl *on_read = ((Node *)tu->args.items[2])->decls.items[0];
  Node *writes = tu->args.items[3];
  cr_assert_eq(on_read->kind, DK_FUNC);
  cr_assert_eq(((Decl *)writes->decls.items[0])->kind, DK_FUNC);
  cr_assert_eq(((Decl *)writes->decls.items[1])->kind, DK_VAR,
               "a pointer to a function type is an object");
  Node *f = func_named(tu, "f");
  Decl *local = ((Node *)f->body->args.items[0])->decls.items[0];
  cr_assert_eq(local->kind, DK_FUNC);
}
