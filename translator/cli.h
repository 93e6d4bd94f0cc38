/*
 * cli.h: what the command-line files share: main.c (`acc [options] FILE`),
 * output.c (atomic writes), driver.c (`acc cc`, the compiler driver, and
 * where the runtime is), transitions.c (the edges of the state diagrams)
 * and emit_graph.c (the `--emit=dot` and `--emit=json` views).  Sections
 * are named after the defining file.
 */
#ifndef CLI_H
#define CLI_H

#include "acc.h"

/* ==== output.c ==== */

/* Writes `len` bytes to `path` through a temporary file in the same folder
   and a rename, so readers see the old file or the whole new one, never a
   part.  Returns 0, or -1 after a message on stderr (nothing is left). */
int cli_write_atomic(const char *path, const char *data, size_t len);

/* The same for a file another program writes: a fresh temporary name
   beside `path`, for mkstemp (`dir/.base.XXXXXX`). */
char *cli_temp_beside(const char *path);
/* Removes `path` (a file or an empty folder) if SIGINT, SIGTERM or SIGHUP
   ends the process; cli_keep cancels that.  `path` must stay allocated. */
void cli_remove_on_signal(const char *path);
void cli_keep(const char *path);
/* write(2) until done; 0 or -1 with errno. */
int cli_write_all(int fd, const char *data, size_t len);

/* The path of the running acc binary (from /proc/self/exe). */
const char *cli_self_path(void);

/* ==== driver.c ==== */

/* `acc cc ARGS...`: argv[0] is "cc".  Returns the exit status. */
int driver_main(int argc, char **argv);

/* The flags a C compiler needs to build and link translated code: for the
   installed prefix acc runs from, or else for the build tree. */
const char *runtime_cflags(void); /* "-I/…/include" */
const char *runtime_libs(void);   /* "-L/…/lib -Wl,-rpath,/…/lib -lacrt …" */
const char *runtime_include(void); /* the folder of ac.h */
const char *runtime_gdb_script(void); /* the gdb extension, acc.py */
/* The same as separate arguments, for the driver's exec. */
void runtime_cflag_args(Vec *args);
void runtime_lib_args(Vec *args);

/* ==== trace_cmd.c ==== */

/* `acc trace FILE [-n N]`: argv[0] is "trace".  Returns the exit status. */
int trace_main(int argc, char **argv);

/* ==== layout_diff.c ==== */

/* `acc layout-diff [-v] OLD.json NEW.json`: argv[0] is "layout-diff". */
int layout_diff_main(int argc, char **argv);

/* ==== cancel_cmd.c ==== */

/* `acc test --cancel PROGRAM [ARGS...]`: argv[0] is "test". */
int cancel_main(int argc, char **argv);

/* ==== transitions.c ==== */

/* The states that can follow `state` (0 Start, 1..n the await sites) of an
   async function without another await, ascending; n + 1 stands for Done
   (the function returns).  Computed from the AST on first use. */
struct AsyncFunc;
const Vec *transitions_from(struct AsyncFunc *f, int state);

/* ==== emit_graph.c ==== */

/* The views for tools, from the IR of ir.h (after layout and liveness);
   translate.c calls them for --emit=dot and --emit=json. */
struct Program;
void emit_dot(struct Program *p, Str *out);  /* Graphviz digraph */
void emit_json(struct Program *p, Str *out); /* schema in docs/cli.md */
/* A state's name in the views: Start, AwaitingHello, ..., Done (state
   n + 1).  The rule is in docs/cli.md, "State numbers and names". */
const char *graph_state_name(struct AsyncFunc *f, int state);
/* The awaited expression of a site as written, on one line: `hello()`. */
struct Site;
char *graph_await_text(struct Program *p, struct Site *site);

#endif /* CLI_H */
