/*
 * test_parse_cpp.c: preprocessing through cpp_run: __ACC__ is defined, the
 * user's flags and the runtime's include folder are passed, linemarkers map
 * positions back to the .ac file, the -M run for make dependencies uses
 * the same command line (cpp_argv), and a preprocessor error yields NULL.
 */
#include "cli.h"
#include "options.h"
#include "parse_helpers.h"

#include <criterion/redirect.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/acc-cpp-XXXXXX";
static bool made; /* dir holds a created folder's name */

static const char *write_file(const char *name, const char *text) {
  if (!made)
    cr_assert(made = mkdtemp(dir) != NULL);
  const char *path = xformat("%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fputs(text, f);
  fclose(f);
  return path;
}

/* Nothing is left behind in /tmp. */
static void remove_dir(void) {
  if (made)
    cr_assert_eq(system(xformat("rm -rf '%s'", dir)), 0);
  made = false;
  strcpy(dir, "/tmp/acc-cpp-XXXXXX");
}

TestSuite(parse_cpp, .fini = remove_dir);

static Options options_for(const char *path) {
  Options opt = {0};
  opt.input = path;
  return opt;
}

Test(parse_cpp, acc_macro_and_user_defines_reach_the_buffer) {
  const char *path = write_file("m.ac", "#ifdef __ACC__\nint acc_on = VALUE;\n"
                                        "#endif\n");
  Options opt = options_for(path);
  vec_push(&opt.cpp_args, "-DVALUE=42");
  Source *src = cpp_run(&opt);
  cr_assert(src);
  cr_assert(strstr(src->text, "int acc_on = 42;"));
}

Test(parse_cpp, runtime_header_is_found_and_positions_map_back) {
  const char *path = write_file("r.ac", "#include <ac.h>\n\n"
                                        "async int f(void) { return 1; }\n");
  Options opt = options_for(path);
  Source *src = cpp_run(&opt);
  cr_assert(src);
  const char *at = strstr(src->text, "async int f");
  cr_assert(at);
  Loc loc = source_loc(src, (size_t)(at - src->text));
  cr_assert(loc.in_main);
  cr_assert_str_eq(loc.file, path);
  cr_assert_eq(loc.line, 3);
  cr_assert_eq(loc.col, 1);
  diag_init(src);
  cr_assert(parse_translation_unit(src));
}

/* main.c's -MD run: cpp_run's own command line with -M options added. */
Test(parse_cpp, dependencies_come_from_the_same_command_line) {
  write_file("dep.h", "int from_header;\n");
  const char *path = write_file("d.ac", "#include \"dep.h\"\n"
                                        "#include <ac.h>\n");
  Options opt = options_for(path);
  const char *dep_file = xformat("%s/d.d", dir);
  const char *extra[] = {"-M", "-MP", "-MT", "d.c", "-MF", dep_file, NULL};
  char **argv = cpp_argv(&opt, extra);
  cr_assert_str_eq(argv[0], "clang");
  cr_assert_eq(cli_run(argv, NULL), 0);
  FILE *f = fopen(dep_file, "r");
  cr_assert(f, "the dependency file exists");
  char buf[4096] = {0};
  fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  cr_assert(strstr(buf, "d.c:"), "target is d.c: %s", buf);
  cr_assert(strstr(buf, "dep.h"), "header listed: %s", buf);
  cr_assert(strstr(buf, xformat("%s/ac.h", runtime_include())),
            "the runtime's ac.h, as cpp_run finds it: %s", buf);
}

Test(parse_cpp, preprocessor_error_returns_null, .init = cr_redirect_stderr) {
  const char *path = write_file("e.ac", "#include \"no-such-header.h\"\n");
  Options opt = options_for(path);
  cr_assert_null(cpp_run(&opt));
}

Test(parse_cpp, other_preprocessor_command, .init = cr_redirect_stderr) {
  const char *path = write_file("o.ac", "int x;\n");
  Options opt = options_for(path);
  opt.cpp = "no-such-preprocessor -E";
  cr_assert_null(cpp_run(&opt));
  opt.cpp = "clang  -E  -P";
  Source *src = cpp_run(&opt);
  cr_assert(src);
  cr_assert(!strstr(src->text, "# 1"), "-P: no linemarkers");
}
