/* Positions: a byte offset in the preprocessed buffer maps back to the
   line and column the user wrote, though the preprocessor collapsed blanks
   and comments. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acc.h"

static Source *preprocess(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  char *cmd = xformat("clang -E -x c %s", path);
  FILE *p = popen(cmd, "r");
  Str out = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    str_add(&out, buf, n);
  pclose(p);
  return source_new(path, out.buf, out.len);
}

static size_t offset_of(const Source *src, const char *needle) {
  const char *hit = strstr(src->text, needle);
  cr_assert(hit, "'%s' not in the buffer", needle);
  return (size_t)(hit - src->text);
}

Test(source, columns_survive_collapsed_blanks_and_comments) {
  Source *src = preprocess("/tmp/acc_test_source.ac",
                           "int   a;\n"
                           "/* one */   int  /* two */ bee =  3;\n"
                           "\tchar *s = \"x  y\";  int after;\n");
  Loc a = source_loc(src, offset_of(src, "a;"));
  cr_expect_eq(a.line, 1);
  cr_expect_eq(a.col, 7);
  Loc bee = source_loc(src, offset_of(src, "bee"));
  cr_expect_eq(bee.line, 2);
  cr_expect_eq(bee.col, 28);
  Loc three = source_loc(src, offset_of(src, "3;"));
  cr_expect_eq(three.col, 35);
  Loc after = source_loc(src, offset_of(src, "after"));
  cr_expect_eq(after.line, 3);
  cr_expect_eq(after.col, 25);
  cr_expect(after.in_main);
}

Test(source, header_lines_map_to_the_header) {
  Source *src = preprocess("/tmp/acc_test_source2.ac",
                           "#include <stddef.h>\nint z;\n");
  Loc z = source_loc(src, offset_of(src, "int z"));
  cr_expect_eq(z.line, 2);
  cr_expect(z.in_main);
  Loc t = source_loc(src, offset_of(src, "size_t;"));
  cr_expect(!t.in_main);
  cr_expect(strstr(t.file, "stddef.h") != NULL);
}
