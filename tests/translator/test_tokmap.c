/*
 * test_tokmap.c: the token map ties each token of the preprocessed buffer
 * to where the .ac writes it (translator/tokmap.c), and tokmap_copy writes
 * a buffer range back in the user's spelling (tokcopy.c): macro
 * invocations unexpanded, renamed names placed in their arguments, the
 * .ac's own spacing and comments kept, through #line, line splices, NUL
 * bytes and macros that make whole functions.
 */
#include "options.h"
#include "parse_helpers.h"
#include "tokmap.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/acc-tokmap-XXXXXX";
static bool made;

static void remove_dir(void) {
  if (made)
    cr_assert_eq(system(xformat("rm -rf '%s'", dir)), 0);
  made = false;
  strcpy(dir, "/tmp/acc-tokmap-XXXXXX");
}

TestSuite(tokmap, .fini = remove_dir);

/* Preprocesses text as an .ac file (NUL bytes written as given by len). */
static Source *map_of(const char *text, size_t len) {
  if (!made)
    cr_assert(made = mkdtemp(dir) != NULL);
  const char *path = xformat("%s/t.ac", dir);
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fwrite(text, 1, len, f);
  fclose(f);
  Options *opt = xalloc(sizeof *opt);
  opt->input = path;
  Source *src = cpp_run(opt);
  cr_assert(src);
  test_src = src;
  return src;
}

static Source *map_str(const char *text) { return map_of(text, strlen(text)); }

/* Buffer offset of the first occurrence of needle. */
static size_t at(const Source *src, const char *needle) {
  const char *hit = strstr(src->text, needle);
  cr_assert(hit, "'%s' not in the buffer", needle);
  return (size_t)(hit - src->text);
}

/* The expression of the first `return` at or after buffer offset from. */
static void returned(const Source *src, size_t from, size_t *b, size_t *e) {
  const char *r = strstr(src->text + from, "return ");
  cr_assert(r);
  *b = (size_t)(r - src->text) + 7;
  *e = (size_t)(strchr(r, ';') - src->text);
}

static const char *copy(const Source *src, size_t b, size_t e, TokSubstFn fn) {
  Str s = {0};
  tokmap_copy(source_map(src), src, b, e, fn, NULL, &s);
  return tokmap_strip_marks(s.len ? str_cstr(&s) : "");
}

/* Renames every name x (not a member after `.`) to (F->x). */
static TokSubst rename_x(void *ctx, size_t b, size_t e) {
  (void)ctx;
  size_t p = b;
  while (p > 0 && test_src->text[p - 1] == ' ')
    p--;
  bool x = e - b == 1 && test_src->text[b] == 'x' &&
           !(p > 0 && test_src->text[p - 1] == '.');
  return (TokSubst){x ? "(F->x)" : NULL, e};
}

Test(tokmap, invocations_are_copied_as_written) {
  Source *src = map_str("#define MAX(a, b) ((a) > (b) ? (a) : (b))\n"
                        "#define NONE ((void *)0)\n"
                        "int f(int y) { return MAX(y, 2) + (NONE == 0); }\n");
  size_t b, e;
  returned(src, at(src, "int f"), &b, &e);
  cr_assert_str_eq(copy(src, b, e, NULL), "MAX(y, 2) + (NONE == 0)");
}

Test(tokmap, a_renamed_argument_is_replaced_where_it_is_written) {
  Source *src = map_str("#define ADD(p, v) ((p) + (v))\n"
                        "int f(int x) { return ADD(x, 2)   /* sum */ * 3; }\n");
  size_t b, e;
  returned(src, at(src, "int f"), &b, &e);
  cr_assert_str_eq(copy(src, b, e, rename_x), "ADD((F->x), 2)   /* sum */ * 3");
}

Test(tokmap, a_stringifying_invocation_gets_the_name_as_a_macro) {
  Source *src = map_str("#define CHECK(e) ((e) ? 0 : puts(#e))\n"
                        "int puts(const char *);\n"
                        "int f(int x) { return CHECK(x > 0); }\n");
  size_t b, e;
  returned(src, at(src, "int f"), &b, &e);
  cr_assert_str_eq(copy(src, b, e, rename_x),
                   "\n#define x (F->x)\nCHECK(x > 0)\n#undef x\n");
}

Test(tokmap, a_name_used_otherwise_in_the_expansion_forces_it) {
  Source *src = map_str("struct s { int x; } g;\n"
                        "int puts(const char *);\n"
                        "#define BOTH(v) (g.x + (v) + puts(#v))\n"
                        "#define PLAIN(v) (g.x + (v))\n"
                        "int f(int x) { return BOTH(x); }\n"
                        "int h(int x) { return PLAIN(x); }\n");
  size_t b, e;
  returned(src, at(src, "int f"), &b, &e);
  cr_assert_str_eq(copy(src, b, e, rename_x),
                   "(g.x + ((F->x)) + puts(\"x\"))");
  returned(src, at(src, "int h"), &b, &e); /* the member is the macro's */
  cr_assert_str_eq(copy(src, b, e, rename_x), "PLAIN((F->x))");
}

Test(tokmap, a_piece_of_an_invocation_is_written_expanded) {
  Source *src = map_str("#define TWICE(a) ((a) + (a))\n"
                        "int f(int y) { return TWICE(y); }\n");
  size_t b = at(src, "(y) +"), e = b + 3;
  cr_assert_str_eq(copy(src, b, e, NULL), "(y)");
}

Test(tokmap, macro_made_functions_share_their_invocation) {
  Source *src = map_str("#define DEF(n) int n(void) { return 1; }\n"
                        "DEF(a) DEF(b)\n"
                        "int c(void) { return 2; }\n");
  const TokMap *m = source_map(src);
  int u0, u1, v0, v1, w0, w1;
  size_t a = at(src, "int a"), b = at(src, "int b"), c = at(src, "int c");
  cr_assert(tokmap_units(m, a, at(src, "} int b") + 1, &u0, &u1));
  cr_assert(tokmap_units(m, b, at(src, "}\n") + 1, &v0, &v1));
  cr_assert(tokmap_units(m, c, src->len - 1, &w0, &w1));
  cr_assert_eq(u0, u1);
  cr_assert_neq(u0, v0);
  const char *ac = m->ac;
  cr_assert_str_eq(xstrndup(ac + m->units[u0].ac_begin,
                            m->units[u0].ac_end - m->units[u0].ac_begin),
                   "DEF(a)");
  cr_assert_str_eq(xstrndup(ac + m->units[v0].ac_begin,
                            m->units[v0].ac_end - m->units[v0].ac_begin),
                   "DEF(b)");
  cr_assert(!m->units[w0].is_macro);
}

Test(tokmap, line_directives_are_undone_and_presumed_lines_kept) {
  Source *src = map_str("int a;\n"
                        "#line 100 \"other.ac\"\n"
                        "int b;\n"
                        "#if 0\n"
                        "#line 1 \"skipped.ac\"\n"
                        "#endif\n"
                        "int c;\n");
  const TokMap *m = source_map(src);
  int kb = tokmap_find(m, at(src, "b;")), kc = tokmap_find(m, at(src, "c;"));
  cr_assert_eq(m->toks[kb].line, 100);
  cr_assert_str_eq(m->files.items[m->toks[kb].file], "other.ac");
  cr_assert_eq(m->toks[kc].line, 104);
  const TokUnit *uc = &m->units[m->toks[kc].unit];
  cr_assert_eq(m->ac[uc->ac_begin], 'c');
  cr_assert_eq(uc->ac_begin, (size_t)(strstr(m->ac, "int c;") + 4 - m->ac));
  Loc loc = source_loc(src, at(src, "c;"));
  cr_assert_str_eq(loc.file, "other.ac");
  cr_assert_eq(loc.line, 104);
  cr_assert_eq(loc.text_line, 7);
}

Test(tokmap, splices_and_nul_bytes_are_copied_as_written) {
  static const char text[] = "/* a NUL: \0 */ int lo\\\nng_name = 1;\n"
                             "int g(void) { return long_name + 1; }\n";
  Source *src = map_of(text, sizeof text - 1);
  const TokMap *m = source_map(src);
  int k = tokmap_find(m, at(src, "long_name = 1"));
  const TokUnit *u = &m->units[m->toks[k].unit];
  cr_assert_str_eq(xstrndup(m->ac + u->ac_begin, u->ac_end - u->ac_begin),
                   "lo\\\nng_name");
  size_t b = at(src, "int long_name"), e = at(src, "= 1") + 3;
  cr_assert_str_eq(copy(src, b, e, NULL), "int lo\\\nng_name = 1");
}
