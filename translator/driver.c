/*
 * driver.c: `acc cc [cc arguments…]`, a compiler driver in the manner of
 * gcc's: every `.ac` argument is translated (by running this same binary,
 * one process per file, as acc translates one file per run) into a `.c`
 * of the same base name in a private temporary folder; then $CC runs with
 * the user's arguments in their order, each `.ac` replaced by its `.c`,
 * plus the runtime's include flag and, when it links, the runtime's link
 * flags.  cc's exit status is ours; the temporaries are removed.
 *
 * Keeping the base name keeps cc's own naming: `acc cc -c x.ac` writes
 * `x.o` in the current folder, as `cc -c x.c` would.  The translated code
 * keeps its #line directives, so cc's messages point at `.ac` lines, and
 * -fdebug-prefix-map makes the debug information name the `.ac`'s folder
 * where it names the translation itself (never the temporary path).  As
 * the `.c` sits in another folder, each `.ac`'s folder is added with
 * -iquote so `#include "local.h"` still finds headers beside it.  Make
 * dependencies written by cc (-M, -MM, -MD, -MMD) name the temporary `.c`;
 * they are rewritten to name the `.ac`.
 *
 * The runtime's flags come from runtime_path.c; every program is started
 * through cli_run (run.c).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== the command ==== */

typedef struct AcFile {
  const char *ac; /* as the user named it */
  char *c;        /* its translation in the temporary folder */
} AcFile;

typedef struct Cc {
  Vec acc_args;     /* char*: options for acc (-I, -D, -U, -include, -std=) */
  Vec cc_args;      /* char*: the user's arguments, .ac replaced */
  Vec files;        /* AcFile* */
  const char *out;  /* -o */
  const char *dep_file; /* -MF */
  bool no_link;     /* -c, -S, -E, -M, -MM or -fsyntax-only */
  bool to_stdout;   /* -E, -M or -MM: cc prints its result */
  bool deps;        /* any -M option: cc writes dependencies */
  char *tmpdir;
  Vec temps;        /* char*: files and folders to remove, in order */
} Cc;

/* gcc options whose value is the next word when not glued to them. */
static const char *const with_value[] = {
    "-o",        "-I",         "-D",       "-U",       "-include",
    "-imacros",  "-isystem",   "-iquote",  "-idirafter", "-iprefix",
    "-isysroot", "-MF",        "-MT",      "-MQ",      "-x",
    "-L",        "-l",         "-Xlinker", "-Xassembler", "-Xpreprocessor",
    "-u",        "-T",         "-z",       "-e",       "--param",
    "-aux-info", "-B",         NULL};

static bool takes_value(const char *arg) {
  for (int i = 0; with_value[i]; i++)
    if (!strcmp(arg, with_value[i]))
      return true;
  return false;
}

/* Options that acc must see as well, so both preprocess alike. */
static bool for_acc(const char *arg) {
  static const char *const opts[] = {
      "-I",       "-D",       "-U",      "-std=",      "-include",
      "-imacros", "-isystem", "-iquote", "-idirafter", NULL};
  for (int i = 0; opts[i]; i++)
    if (!strncmp(arg, opts[i], strlen(opts[i])))
      return true;
  return false;
}

/* acc's own warning options, which cc would not know. */
static bool acc_warning(const char *arg) {
  static const char *const opts[] = {"-Wblocking", "-Wno-blocking",
                                     "-Werror=blocking", "-Wno-error=blocking",
                                     NULL};
  for (int i = 0; opts[i]; i++)
    if (!strcmp(arg, opts[i]))
      return true;
  return false;
}

static bool is_ac(const char *arg) {
  size_t n = strlen(arg);
  return n > 3 && !strcmp(arg + n - 3, ".ac");
}

/* The mode flags that decide whether cc links and where its output goes. */
static void note_mode(Cc *cc, const char *arg) {
  if (!strcmp(arg, "-c") || !strcmp(arg, "-S") ||
      !strcmp(arg, "-fsyntax-only"))
    cc->no_link = true;
  if (!strcmp(arg, "-E") || !strcmp(arg, "-M") || !strcmp(arg, "-MM"))
    cc->no_link = cc->to_stdout = true;
  if (!strncmp(arg, "-M", 2))
    cc->deps = true;
}

static char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return xstrdup(slash ? slash + 1 : path);
}

static char *dir_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? xstrndup(path, (size_t)(slash - path + (slash == path)))
               : xstrdup(".");
}

/* `x.ac` -> TMP/N/x.c; the folder per file keeps equal base names apart. */
static AcFile *add_ac(Cc *cc, const char *ac) {
  AcFile *f = xalloc(sizeof *f);
  f->ac = ac;
  char *dir = xformat("%s/%d", cc->tmpdir, cc->files.len);
  mkdir(dir, 0700);
  cli_remove_on_signal(dir);
  char *base = base_name(ac);
  base[strlen(base) - 3] = '\0';
  f->c = xformat("%s/%s.c", dir, base);
  cli_remove_on_signal(f->c);
  vec_push(&cc->temps, f->c);
  vec_push(&cc->temps, dir);
  vec_push(&cc->files, f);
  return f;
}

static void parse(Cc *cc, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strncmp(arg, "--cpp=", 6) || !strncmp(arg, "--max-frame=", 12) ||
        acc_warning(arg)) { /* acc's alone */
      vec_push(&cc->acc_args, (void *)arg);
      continue;
    }
    if (!strcmp(arg, "-Werror") || !strcmp(arg, "-Wno-error"))
      vec_push(&cc->acc_args, (void *)arg); /* and cc's too */
    note_mode(cc, arg);
    bool split = takes_value(arg) && i + 1 < argc;
    const char *value = split ? argv[i + 1] : NULL;
    if (for_acc(arg)) {
      vec_push(&cc->acc_args, (void *)arg);
      if (split)
        vec_push(&cc->acc_args, (void *)value);
    }
    if (!strcmp(arg, "-o") && split)
      cc->out = value;
    else if (!strncmp(arg, "-o", 2) && arg[2])
      cc->out = arg + 2;
    if (!strcmp(arg, "-MF") && split)
      cc->dep_file = value;
    else if (!strncmp(arg, "-MF", 3) && arg[3])
      cc->dep_file = arg + 3;
    if (arg[0] != '-' && is_ac(arg))
      arg = add_ac(cc, arg)->c;
    vec_push(&cc->cc_args, (void *)arg);
    if (split)
      vec_push(&cc->cc_args, argv[++i]);
  }
}

/* cli_run with stdout sent to `out` when given. */
static int run(char **argv, const char *out) {
  CliOutput to_file = {.path = out};
  return cli_run(argv, out ? &to_file : NULL);
}

static char **to_argv(Vec *v) {
  vec_push(v, NULL);
  return (char **)v->items;
}

static int translate(Cc *cc) {
  int status = 0;
  for (int i = 0; i < cc->files.len; i++) {
    AcFile *f = cc->files.items[i];
    Vec argv = {0};
    vec_push(&argv, (void *)cli_self_path());
    for (int j = 0; j < cc->acc_args.len; j++)
      vec_push(&argv, cc->acc_args.items[j]);
    vec_push(&argv, "-o");
    vec_push(&argv, f->c);
    vec_push(&argv, "--");
    vec_push(&argv, (void *)f->ac);
    if (run(to_argv(&argv), NULL) != 0)
      status = 1;
  }
  return status;
}

/* $CC may hold several words ("ccache gcc"), so a shell splits it. */
static int compile(Cc *cc, const char *stdout_file) {
  const char *compiler = getenv("CC");
  if (!compiler || !*compiler)
    compiler = "cc";
  Vec argv = {0};
  vec_push(&argv, "/bin/sh");
  vec_push(&argv, "-c");
  vec_push(&argv, xformat("exec %s \"$@\"", compiler));
  vec_push(&argv, "acc-cc");
  for (int i = 0; i < cc->cc_args.len; i++)
    vec_push(&argv, cc->cc_args.items[i]);
  for (int i = 0; i < cc->files.len; i++) {
    AcFile *f = cc->files.items[i];
    vec_push(&argv, "-iquote");
    vec_push(&argv, dir_name(f->ac));
    /* The debug information names the .ac's folder, not the temporary
       one, where it names the translation itself (its unit, the
       generated scaffolding's lines). */
    char *ac_dir = realpath(dir_name(f->ac), NULL);
    if (ac_dir)
      vec_push(&argv, xformat("-fdebug-prefix-map=%s=%s", dir_name(f->c),
                              ac_dir));
    free(ac_dir);
  }
  runtime_cflag_args(&argv);
  if (!cc->no_link)
    runtime_lib_args(&argv);
  return run(to_argv(&argv), stdout_file);
}

/* ==== naming the .ac in what cc wrote ==== */

/* Every temporary `.c` path in `text` replaced by its `.ac`. */
static Str rename_temps(Cc *cc, const char *text) {
  Str s = {0};
  while (*text) {
    AcFile *hit = NULL;
    for (int i = 0; i < cc->files.len && !hit; i++) {
      AcFile *f = cc->files.items[i];
      if (!strncmp(text, f->c, strlen(f->c)))
        hit = f;
    }
    if (hit) {
      str_puts(&s, hit->ac);
      text += strlen(hit->c);
    } else {
      str_add(&s, text++, 1);
    }
  }
  str_cstr(&s);
  return s;
}

static void fix_file(Cc *cc, const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text || !strstr(text, cc->tmpdir))
    return;
  Str fixed = rename_temps(cc, text);
  cli_write_atomic(path, fixed.buf, fixed.len);
}

/* The files gcc may have written dependencies to. */
static void fix_deps(Cc *cc) {
  if (cc->dep_file)
    fix_file(cc, cc->dep_file);
  if (cc->out) {
    fix_file(cc, cc->out); /* -M -o FILE */
    char *dot = strrchr(cc->out, '.');
    size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - cc->out)
                                           : strlen(cc->out);
    fix_file(cc, xformat("%.*s.d", (int)stem, cc->out));
    for (int i = 0; i < cc->files.len; i++) {
      char *base = base_name(((AcFile *)cc->files.items[i])->c);
      base[strlen(base) - 2] = '\0';
      fix_file(cc, xformat("%.*s-%s.d", (int)stem, cc->out, base));
    }
  }
  for (int i = 0; i < cc->files.len; i++) {
    char *base = base_name(((AcFile *)cc->files.items[i])->c);
    base[strlen(base) - 2] = '\0';
    fix_file(cc, xformat("%s.d", base));
  }
}

static void show_captured(Cc *cc, const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text)
    return;
  Str fixed = rename_temps(cc, text);
  fwrite(fixed.buf, 1, fixed.len, stdout);
  fflush(stdout);
}

static void remove_temps(Cc *cc) {
  for (int i = 0; i < cc->temps.len; i++)
    remove(cc->temps.items[i]);
  rmdir(cc->tmpdir);
}

int driver_main(int argc, char **argv) {
  Cc cc = {0};
  const char *tmp = getenv("TMPDIR");
  cc.tmpdir = xformat("%s/acc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(cc.tmpdir)) {
    fprintf(stderr, "acc: error: cannot make a temporary folder: %s\n",
            strerror(errno));
    return 1;
  }
  cli_remove_on_signal(cc.tmpdir);
  parse(&cc, argc, argv);
  int status = translate(&cc);
  if (status == 0) {
    char *captured = NULL;
    if (cc.to_stdout && !cc.out) {
      captured = xformat("%s/stdout", cc.tmpdir);
      vec_push(&cc.temps, captured);
      cli_remove_on_signal(captured);
    }
    status = compile(&cc, captured);
    if (captured)
      show_captured(&cc, captured);
    if (cc.deps)
      fix_deps(&cc);
  }
  remove_temps(&cc);
  return status;
}
