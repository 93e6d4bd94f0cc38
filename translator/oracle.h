/*
 * oracle.h: the type oracle.  The sync erasure of the preprocessed buffer
 * (erase.c: `async`/`await` replaced by as many spaces, so every byte offset
 * is unchanged) is parsed in memory by libclang; questions about the
 * expression at a byte range are answered from the cursor at the same range.
 * No libclang type crosses this interface: only oracle.c includes
 * <clang-c/Index.h>.
 */
#ifndef ORACLE_H
#define ORACLE_H

#include "acc.h"

typedef struct Oracle Oracle;

/* The erasure of src's text: a new buffer of the same length. */
char *erase_async(const char *text, size_t len);

/*
 * Parses the erasure of src with the given extra clang arguments (-std=...).
 * libclang's errors are reported through diag.c at .ac positions; returns
 * NULL (after reporting) if the erasure does not type-check.
 */
Oracle *oracle_open(const Source *src, const char *const *args, int nargs);
void oracle_close(Oracle *o);

/*
 * The C type of the expression covering exactly [begin, end), spelled as a
 * type name usable in a declaration with __typeof__(...), e.g. "int",
 * "struct point *", "int (*)(int)".  NULL if no expression has that range.
 */
const char *oracle_expr_type(Oracle *o, size_t begin, size_t end);
/* The same type with every typedef and typeof resolved ("typeof (x)"
   becomes "long"); NULL for an unnamed struct or union. */
const char *oracle_expr_canonical_type(Oracle *o, size_t begin, size_t end);

/* True if that expression's type is void. */
bool oracle_expr_is_void(Oracle *o, size_t begin, size_t end);

/* True if that expression is an async function or a pointer to one
   (`f`, `fp`, `s.op`, `*fp`): a call of it makes a future. */
bool oracle_expr_is_async_fn(Oracle *o, size_t begin, size_t end);
/* 0 if it is no function nor a pointer to one, 1 for a plain one, 2 for
   an async one. */
int oracle_expr_fn_kind(Oracle *o, size_t begin, size_t end);

/* True if the declaration whose name is at name_off has a variably modified
   type (a VLA or pointer to one). */
bool oracle_decl_is_vm(Oracle *o, size_t name_off);

/*
 * For a hand-written future type spelled `type` (e.g. "ac_sleep_t"): the
 * names of its poll and drop functions and the spelling of its output type
 * ("void" for none), found from the declaration of NAME_poll(NAME_t *,
 * ac_context_t *, OUT *).  False if `type` is no future type.
 */
bool oracle_future_info(Oracle *o, const char *type, const char **poll,
                        const char **drop, const char **out_type);

/* ==== oracle_layout.c (owned by the lowering; see its header) ==== */

/*
 * Sizes and alignments of the type spellings types[0..n) as the C compiler
 * lays them out, from one libclang parse of the erasure followed by
 * `prelude` (hoisted local types) and a probe per spelling.  0 where a
 * spelling does not name a complete type.
 */
void oracle_type_sizes(const Source *src, const char *const *args, int nargs,
                       const char *prelude, const char **types, int n,
                       size_t *size, size_t *align);

#endif /* ORACLE_H */
