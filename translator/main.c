/*
 * main.c: the command line.  `acc [options] FILE.ac [-o FILE.c]` reads the
 * options into an Options, runs every pass through acc_translate, and writes
 * the result; `acc cc …` is handed to driver.c.
 *
 * Exit status: 0 when the output was written, 1 after translation errors
 * (diagnostics are already on stderr) or an I/O failure, 2 on bad usage
 * (one `acc: error:` line, then a hint to try --help).
 *
 * The output file is written atomically (a temporary file in the target's
 * folder, then rename), so a failed run leaves neither a partial file nor a
 * changed old one, and make never sees a half-written `.c`.  With -MD the
 * dependency file is written the same way, only after a successful
 * translation: it comes from a second preprocessor run with -M
 * (median 60 ms here for a file including <stdio.h>), renamed into place
 * right after the output, so the two appear together or not at all.
 */
#include "cli.h"
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: acc [options] FILE.ac [-o FILE.c]\n"
    "       acc cc [compiler arguments...]\n"
    "       acc trace FILE [-n N]   (a trace written with AC_TRACE=FILE)\n"
    "       acc test --cancel [--task NAME] PROGRAM [ARGS...]\n"
    "       acc layout-diff [-v] OLD.json NEW.json   (two --emit=json)\n"
    "\n"
    "Translates FILE.ac (C with async functions and await) to plain C.\n"
    "\n"
    "Output:\n"
    "  -o FILE           write to FILE ('-' for standard output); the default\n"
    "                    is FILE.c beside the input for C, standard output\n"
    "                    for the --emit views (FILE.h for header)\n"
    "  --emit=KIND       c (default), states, layout, dot, json, sync,\n"
    "                    header (declarations for C and other .ac files)\n"
    "  -fsyntax-only     check the file, write nothing\n"
    "  --no-line         no #line directives in the C output\n"
    "  --max-frame=N     an error for a frame over N bytes (also per function:\n"
    "                    #pragma acc max_frame(N))\n"
    "Warnings:\n"
    "  -Wno-blocking     no warning for blocking calls in async bodies\n"
    "  -Werror=blocking  make them errors (-Werror: every acc warning)\n"
    "Preprocessor (as a C compiler takes them):\n"
    "  -I DIR, -D NAME[=VALUE], -U NAME, -include FILE, -imacros FILE,\n"
    "  -isystem DIR, -iquote DIR, -idirafter DIR, -std=STD\n"
    "  --cpp=CMD         the preprocessor command (default: " CPP_DEFAULT ")\n"
    "Dependencies (for make):\n"
    "  -MD               also write a dependency file (default: the output\n"
    "                    with .d for .c)\n"
    "  -MF FILE          the dependency file (implies -MD)\n"
    "  -MT TARGET        the target named in it (default: the output)\n"
    "Information:\n"
    "  --cflags          compiler flags for translated code (ac.h)\n"
    "  --libs            linker flags for the runtime (libacrt)\n"
    "  --gdb-init        the gdb command that loads acc's gdb extension:\n"
    "                    gdb -ex \"$(acc --gdb-init)\" ./program\n"
    "  --help, --version\n"
    "\n"
    "acc cc translates every .ac argument and runs $CC (default cc) with the\n"
    "runtime's flags: acc cc -O2 server.ac util.c -o server\n"
    "\n"
    "Exit status: 0 ok, 1 translation errors, 2 bad usage.\n";

static _Noreturn void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static _Noreturn void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("acc: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nacc: try 'acc --help'\n", stderr);
  va_end(ap);
  exit(2);
}

/* ==== options ==== */

typedef struct Args {
  int argc, i;
  char **argv;
} Args;

/* The argument of option `name`: glued (-Ifoo) or the next word (-I foo). */
static const char *take_arg(Args *a, const char *name) {
  const char *arg = a->argv[a->i];
  size_t n = strlen(name);
  if (arg[n])
    return arg + n;
  if (a->i + 1 >= a->argc)
    usage_error("missing argument to '%s'", name);
  return a->argv[++a->i];
}

static EmitKind emit_kind(const char *kind) {
  static const struct {
    const char *name;
    EmitKind kind;
  } kinds[] = {{"c", EMIT_C},       {"states", EMIT_STATES},
               {"layout", EMIT_LAYOUT}, {"dot", EMIT_DOT},
               {"json", EMIT_JSON}, {"sync", EMIT_SYNC},
               {"header", EMIT_HEADER}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (!strcmp(kind, kinds[i].name))
      return kinds[i].kind;
  usage_error("unknown --emit kind '%s' (expected c, states, layout, dot, "
              "json, sync or header)",
              kind);
}

typedef struct Info {
  bool cflags, libs, help, version, gdb_init;
} Info;

/* Preprocessor options, kept in order for cpp, glued (-Idir, -includef.h)
   or as two words (-I dir, -include f.h), as gcc takes them: -I/-D/-U pass
   on as one word, the others as two. */
static bool cpp_option(Args *a, Options *opt) {
  static const char *glued[] = {"-I", "-D", "-U"};
  static const char *split[] = {"-include", "-imacros", "-isystem", "-iquote",
                                "-idirafter"};
  const char *arg = a->argv[a->i];
  for (size_t i = 0; i < sizeof split / sizeof split[0]; i++) {
    if (!strncmp(arg, split[i], strlen(split[i]))) {
      const char *val = take_arg(a, split[i]);
      if (!*val)
        usage_error("missing argument to '%s'", split[i]);
      vec_push(&opt->cpp_args, (void *)split[i]);
      vec_push(&opt->cpp_args, (void *)val);
      return true;
    }
  }
  for (size_t i = 0; i < sizeof glued / sizeof glued[0]; i++) {
    if (!strncmp(arg, glued[i], 2)) {
      const char *val = take_arg(a, glued[i]);
      if (!*val)
        usage_error("missing argument to '%s'", glued[i]);
      vec_push(&opt->cpp_args, xformat("%s%s", glued[i], val));
      return true;
    }
  }
  if (!strncmp(arg, "-std=", 5)) {
    if (!arg[5])
      usage_error("missing value in '-std='");
    opt->std = arg + 5;
    vec_push(&opt->cpp_args, (void *)arg);
    return true;
  }
  return false;
}

/* Options that stand alone or carry their value after '='. */
static bool flag_option(const char *arg, Options *opt, Info *info) {
  if (!strcmp(arg, "-fsyntax-only"))
    opt->syntax_only = true;
  else if (!strcmp(arg, "--no-line"))
    opt->no_line = true;
  else if (!strcmp(arg, "-MD"))
    opt->dep = true;
  else if (!strcmp(arg, "-Wblocking"))
    opt->no_blocking_lint = false;
  else if (!strcmp(arg, "-Wno-blocking"))
    opt->no_blocking_lint = true;
  else if (!strcmp(arg, "-Werror=blocking") || !strcmp(arg, "-Werror"))
    opt->werror_blocking = true;
  else if (!strcmp(arg, "-Wno-error=blocking") || !strcmp(arg, "-Wno-error"))
    opt->werror_blocking = false;
  else if (!strncmp(arg, "--emit=", 7))
    opt->emit = emit_kind(arg + 7);
  else if (!strncmp(arg, "--cpp=", 6)) {
    if (!arg[6])
      usage_error("empty command in '--cpp='");
    opt->cpp = arg + 6;
  } else if (!strcmp(arg, "--cflags"))
    info->cflags = true;
  else if (!strcmp(arg, "--libs"))
    info->libs = true;
  else if (!strcmp(arg, "--gdb-init"))
    info->gdb_init = true;
  else if (!strncmp(arg, "--max-frame=", 12)) {
    char *end;
    unsigned long long n = strtoull(arg + 12, &end, 10);
    if (!arg[12] || *end || n == 0)
      usage_error("'--max-frame=' takes a positive number of bytes");
    opt->max_frame = (size_t)n;
    opt->max_frame_flag = arg;
  }
  else if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
    info->help = true;
  else if (!strcmp(arg, "--version"))
    info->version = true;
  else
    return false;
  return true;
}

static void parse_args(int argc, char **argv, Options *opt, Info *info) {
  Args a = {argc, 1, argv};
  bool only_files = false;
  for (; a.i < argc; a.i++) {
    const char *arg = argv[a.i];
    if (only_files || arg[0] != '-' || !arg[1]) {
      if (opt->input)
        usage_error("more than one input file ('%s' and '%s')", opt->input,
                    arg);
      opt->input = arg;
    } else if (!strcmp(arg, "--")) {
      only_files = true;
    } else if (!strncmp(arg, "-o", 2)) {
      opt->output = take_arg(&a, "-o");
    } else if (!strncmp(arg, "-MF", 3)) {
      opt->dep_file = take_arg(&a, "-MF");
      opt->dep = true;
    } else if (!strncmp(arg, "-MT", 3)) {
      opt->dep_target = take_arg(&a, "-MT");
    } else if (!cpp_option(&a, opt) && !flag_option(arg, opt, info)) {
      usage_error("unknown option '%s'", arg);
    }
  }
}

/* ==== paths ==== */

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* `dir/x.ac` -> `dir/x` + ext. */
static char *replace_ac(const char *path, const char *ext) {
  size_t n = strlen(path);
  if (has_suffix(path, ".ac"))
    n -= 3;
  return xformat("%.*s%s", (int)n, path, ext);
}

/* Fills in the defaults the user left out; checks the input. */
static void settle_paths(Options *opt) {
  if (!opt->input)
    usage_error("no input file");
  if (opt->syntax_only)
    opt->output = NULL;
  else if (!opt->output && opt->emit != EMIT_C && opt->emit != EMIT_HEADER)
    opt->output = "-";
  else if (!opt->output) {
    if (!has_suffix(opt->input, ".ac"))
      usage_error("input '%s' does not end in .ac; name the output with -o",
                  opt->input);
    opt->output = replace_ac(opt->input, opt->emit == EMIT_HEADER ? ".h"
                                                                  : ".c");
  }
  if (opt->output && !strcmp(opt->output, opt->input))
    usage_error("the output '%s' would overwrite the input", opt->output);
  if (opt->dep && !opt->dep_file) {
    bool to_file = opt->output && strcmp(opt->output, "-");
    const char *base = to_file ? opt->output : opt->input;
    opt->dep_file = has_suffix(base, ".c")
                        ? xformat("%.*s.d", (int)strlen(base) - 2, base)
                        : replace_ac(base, ".d");
  }
  if (opt->dep && !opt->dep_target) {
    bool to_file = opt->output && strcmp(opt->output, "-");
    opt->dep_target = to_file ? opt->output : replace_ac(opt->input, ".c");
  }
}

/* ==== output ==== */

static int write_output(const char *path, Str *out) {
  if (strcmp(path, "-"))
    return cli_write_atomic(path, out->buf ? out->buf : "", out->len);
  if (cli_write_all(STDOUT_FILENO, out->buf ? out->buf : "", out->len)) {
    fprintf(stderr, "acc: error: cannot write output: %s\n", strerror(errno));
    return -1;
  }
  return 0;
}

/* ==== dependencies ==== */

static void drop_temp(char *tmp) {
  if (tmp) {
    unlink(tmp);
    cli_keep(tmp);
  }
}

/*
 * The dependency file: `TARGET: FILE.ac header.h …`, plus an empty rule
 * per header (-MP) so make does not stop when a header is deleted.  The
 * preprocessor writes it into a temporary file beside its target; it is
 * renamed into place only once the output is in place too.  Returns the
 * temporary, or NULL after a message.
 */
static char *make_deps(const Options *opt) {
  char *tmp;
  int fd = cli_temp_open(opt->dep_file, &tmp);
  if (fd < 0)
    return NULL;
  close(fd);
  /* cpp_run's command line, with -M instead of -E's output. */
  const char *deps[] = {"-M", "-MP", "-MT", opt->dep_target, "-MF", tmp, NULL};
  if (cli_run(cpp_argv(opt, deps), NULL) != 0) {
    fprintf(stderr, "acc: error: cannot write the dependency file '%s'\n",
            opt->dep_file);
    drop_temp(tmp);
    return NULL;
  }
  return tmp;
}

/* ==== main ==== */

static int show_info(const Info *info) {
  if (info->help) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (info->version) {
    printf("acc %s\n", ACC_VERSION);
    return 0;
  }
  if (info->gdb_init) {
    printf("source %s\n", runtime_gdb_script());
    return 0;
  }
  if (info->cflags && info->libs)
    printf("%s %s\n", runtime_cflags(), runtime_libs());
  else
    puts(info->cflags ? runtime_cflags() : runtime_libs());
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "cc"))
    return driver_main(argc - 1, argv + 1);
  if (argc > 1 && !strcmp(argv[1], "trace"))
    return trace_main(argc - 1, argv + 1);
  if (argc > 1 && !strcmp(argv[1], "test"))
    return cancel_main(argc - 1, argv + 1);
  if (argc > 1 && !strcmp(argv[1], "layout-diff"))
    return layout_diff_main(argc - 1, argv + 1);
  Options opt = {0};
  Info info = {0};
  parse_args(argc, argv, &opt, &info);
  if (info.help || info.version || info.cflags || info.libs || info.gdb_init)
    return show_info(&info);
  settle_paths(&opt);
  if (access(opt.input, R_OK)) {
    fprintf(stderr, "acc: error: cannot read '%s': %s\n", opt.input,
            strerror(errno));
    return 1;
  }
  /* Dependencies are written here, after a successful run, not by cpp. */
  Options pass = opt;
  pass.dep = false;
  /* The C output is written into a temporary beside its file as it is
     made (it is tens of times the input: never whole in memory), and
     renamed over the file only once everything succeeded, so the file
     is never partial or stale. */
  char *tmp = NULL;
  if (opt.emit == EMIT_C && opt.output && strcmp(opt.output, "-")) {
    pass.stream = true;
    pass.stream_fd = cli_temp_open(opt.output, &tmp);
    if (pass.stream_fd < 0)
      return 1;
  }
  Str out = {0};
  if (acc_translate(&pass, &out) != 0) {
    if (tmp)
      cli_temp_drop(pass.stream_fd, tmp);
    return 1;
  }
  char *deps = opt.dep ? make_deps(&opt) : NULL;
  if (opt.dep && !deps) {
    if (tmp)
      cli_temp_drop(pass.stream_fd, tmp);
    return 1;
  }
  if (tmp ? cli_temp_commit(pass.stream_fd, tmp, opt.output)
          : opt.output && write_output(opt.output, &out)) {
    drop_temp(deps);
    return 1;
  }
  if (deps && cli_temp_place(deps, opt.dep_file))
    return 1;
  return 0;
}
