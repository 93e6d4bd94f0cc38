/*
 * cli.h: what the command-line files share: main.c (`acc [options] FILE`),
 * output.c (atomic writes), run.c (starting programs), runtime_path.c
 * (where the runtime is) and driver.c (`acc cc`, the compiler driver).
 * Sections are named after the defining file.
 */
#ifndef CLI_H
#define CLI_H

#include "acc.h"

/* ==== output.c ==== */

/* Writes `len` bytes to `path` through a temporary file in the same folder
   and a rename, so readers see the old file or the whole new one, never a
   part.  Returns 0, or -1 after a message on stderr (nothing is left). */
int cli_write_atomic(const char *path, const char *data, size_t len);

/* The same for a file written a piece at a time, or by another program
   (opened and closed at once, then named to it): open creates the
   temporary beside `path` (with open()'s mode, removed on a signal) and
   returns its descriptor, or -1 after a message; commit closes it and
   renames it over `path` (0, or -1 after a message, the temporary gone);
   drop closes (fd >= 0) and removes it. */
int cli_temp_open(const char *path, char **tmp);
int cli_temp_commit(int fd, char *tmp, const char *path);
/* Puts a finished, closed temporary in place of `path`: renamed over it
   (over the file a symbolic link leads to), or copied into a FIFO, a
   device or a name under /dev or /proc.  0, or -1 after a message; the
   temporary is gone either way. */
int cli_temp_place(char *tmp, const char *path);
void cli_temp_drop(int fd, char *tmp);
/* Removes `path` (a file or an empty folder) if SIGINT, SIGTERM or SIGHUP
   ends the process; cli_keep cancels that.  `path` must stay allocated. */
void cli_remove_on_signal(const char *path);
void cli_keep(const char *path);
/* write(2) until done; 0 or -1 with errno. */
int cli_write_all(int fd, const char *data, size_t len);

/* The path of the running acc binary (from /proc/self/exe). */
const char *cli_self_path(void);

/* ==== run.c ==== */

/* Where a child's standard output goes: a file (path), or read into
   *text (NUL-terminated) through a pipe.  from_stderr: the child's
   standard error is read into *text instead (clang's token dump goes
   there); its standard output is left alone. */
typedef struct CliOutput {
  const char *path;
  Str *text;
  bool from_stderr;
} CliOutput;

/* Runs argv (NULL-terminated; argv[0] is looked up on the PATH unless it
   has a slash) and waits.  Returns its exit status, 128 + N when signal N
   ended it, or 127 after an `acc: error: cannot run` line when it could
   not be started.  out == NULL leaves standard output alone. */
int cli_run(char *const *argv, const CliOutput *out);

/* ==== runtime_path.c ==== */

/* Where the runtime is: the installed prefix acc runs from, or else the
   build tree.  Every preprocessor run and every compiler flag uses it. */
const char *runtime_include(void); /* the folder of ac.h */
const char *runtime_cflags(void);  /* "-I/…/include" */
const char *runtime_libs(void);    /* "-L/…/lib -Wl,-rpath,/…/lib -lacrt …" */
/* The same as separate arguments, for an argv. */
void runtime_cflag_args(Vec *args);
void runtime_lib_args(Vec *args);
/* The gdb extension installed with acc (acc.py). */
const char *runtime_gdb_script(void);

/* ==== driver.c ==== */

/* `acc cc ARGS...`: argv[0] is "cc".  Returns the exit status. */
int driver_main(int argc, char **argv);

/* ==== trace_cmd.c ==== */

/* `acc trace FILE [-n N]`: argv[0] is "trace".  Returns the exit status. */
int trace_main(int argc, char **argv);

/* ==== layout_diff.c ==== */

/* `acc layout-diff [-v] OLD.json NEW.json`: argv[0] is "layout-diff". */
int layout_diff_main(int argc, char **argv);

/* ==== cancel_cmd.c ==== */

/* `acc test --cancel PROGRAM [ARGS...]`: argv[0] is "test". */
int cancel_main(int argc, char **argv);

#endif /* CLI_H */
