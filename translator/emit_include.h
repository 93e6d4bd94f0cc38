/*
 * emit_include.h: headers that hold async code, written out in place of
 * their #include lines (emit_include.c), for emit_c.c.
 */
#ifndef EMIT_INCLUDE_H
#define EMIT_INCLUDE_H

#include "acc.h"

typedef struct IncludeMap IncludeMap;

/* The include tree of the buffer (from its linemarkers), with the files
   that hold async items (char*, as the linemarkers name them) and those
   that include them marked to be written out. */
IncludeMap *include_map(const Source *src, const Vec *async_files,
                        const char *main_file);
bool include_is_written_out(IncludeMap *m, const char *file);
/* For line `line` of `file` whose text is `text`: if it is an #include of
   a file the preprocessor read, that file (*expand set if it is written
   out in place; an absolute path for a quoted include kept as such), else
   NULL. */
const char *include_child(IncludeMap *m, const char *file, int line,
                          const char *text, bool *expand);

/* Whether line `line` of header `file` stands in a conditional that names
   __ACC__ (`#ifdef __ACC__`, `#if defined(__ACC__) || ...`): the C
   compiler that reads acc's output skips it. */
bool include_acc_guarded(const char *file, int line);

#endif /* EMIT_INCLUDE_H */
