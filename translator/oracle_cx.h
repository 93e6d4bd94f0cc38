/*
 * oracle_cx.h: libclang cursors of the oracle, for the two files that read
 * libclang types beside oracle.c: oracle_types.c (the declarator printer)
 * and nothing else.  Everything else asks oracle.h, which hands out no
 * libclang type.
 */
#ifndef ORACLE_CX_H
#define ORACLE_CX_H

#include "oracle.h"

#include <clang-c/Index.h>

/* The cursor of the expression at [begin, end) (an await's operand for
   `await E`), of the declaration whose name is at name_off (in the .ac
   file), of the top-level function `name` (any file). */
bool oracle_cx_expr(Oracle *o, size_t begin, size_t end, CXCursor *c);
bool oracle_cx_decl(Oracle *o, size_t name_off, CXCursor *c);
bool oracle_cx_func(Oracle *o, const char *name, CXCursor *c);
/* A cursor's location as an offset of the buffer. */
size_t oracle_cx_offset(Oracle *o, CXCursor c);

#endif /* ORACLE_CX_H */
