/*
 * options.h: what the command line asks for, and the one entry point that
 * runs the passes.  main.c fills Options; translate.c runs
 * cpp -> parse -> oracle -> sema -> lower -> layout -> emit.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include "acc.h"

typedef enum EmitKind {
  EMIT_C,       /* the translated C (default) */
  EMIT_STATES,  /* --emit=states */
  EMIT_LAYOUT,  /* --emit=layout */
  EMIT_DOT,     /* --emit=dot */
  EMIT_JSON,    /* --emit=json */
  EMIT_SYNC,    /* --emit=sync: the sync erasure */
  EMIT_HEADER,  /* --emit=header: declarations for C and other .ac files */
} EmitKind;

typedef struct Options {
  const char *input;      /* the .ac file */
  const char *output;     /* -o FILE; "-" is standard output */
  const char *cpp;        /* --cpp=CMD; NULL means "clang -E" */
  Vec cpp_args;           /* char*: -I, -D, -U, -include, -std= as given */
  const char *std;        /* the -std= value, or NULL */
  bool syntax_only;       /* -fsyntax-only: check, write nothing */
  bool no_line;           /* --no-line: no #line directives */
  EmitKind emit;
  bool dep;               /* -MD: write make dependencies (main.c) */
  const char *dep_file;   /* -MF FILE */
  const char *dep_target; /* -MT TARGET */
  bool no_blocking_lint;  /* -Wno-blocking */
  bool werror_blocking;   /* -Werror=blocking or -Werror */
  size_t max_frame;       /* --max-frame=N; 0: no limit */
  const char *max_frame_flag; /* the option as given, for the message */
  bool stream;            /* --emit=c's output goes to stream_fd as it is
                             made (main.c: a temporary beside -o's file) */
  int stream_fd;
} Options;

/* ==== cpp.c ==== */

#define CPP_DEFAULT "clang -E" /* the preprocessor unless --cpp= names one */

/* The preprocessor's command line for opt->input (NULL-terminated), with
   the words of `extra` (NULL-terminated, or NULL) before the input: the one
   command line of both preprocessor runs, cpp_run's and main.c's -M run. */
char **cpp_argv(const Options *opt, const char *const *extra);
/* Runs the preprocessor with __ACC__ defined; NULL after its errors. */
Source *cpp_run(const Options *opt);

/* ==== translate.c ==== */

/* Runs every pass on opt->input.  Returns 0 and the requested output in
   *out (or, with opt->stream, in the file), or 1 after reporting errors
   (out and the file are then meaningless). */
int acc_translate(const Options *opt, Str *out);

#endif /* OPTIONS_H */
