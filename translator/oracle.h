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

/* The erasure of src's text, once parsed: a new buffer of the same length
   with the async and await keywords blanked. */
char *erase_async(const Source *src);

/*
 * Parses the erasure of src with the given extra clang arguments (-std=...).
 * libclang's errors are reported through diag.c at .ac positions, and so
 * are its -Wreturn-type warnings on async functions; returns NULL only if
 * libclang could not parse at all.
 */
Oracle *oracle_open(const Source *src, const char *const *args, int nargs);
/* Whether the erasure had type errors (reported by oracle_open, which
   still returns the oracle: acc's own rules are checked too). */
bool oracle_has_errors(const Oracle *o);
void oracle_close(Oracle *o);
/* Empties the indexes of the bodies walked so far (every expression and
   local of an async body, for the queries by range): the lowering calls
   it after each function, so that one body's index is alive at a time
   rather than all of them at its peak.  A later question walks its body
   again. */
void oracle_forget_bodies(Oracle *o);
/* The major version of the libclang acc runs with (14 for "clang version
   14.0.6"). */
int oracle_clang_major(void);

/*
 * The C type of the expression covering exactly [begin, end), spelled as a
 * type name usable in a declaration with __typeof__(...), e.g. "int",
 * "struct point *", "int (*)(int)".  NULL if no expression has that range.
 */
const char *oracle_expr_type(Oracle *o, size_t begin, size_t end);
/* The same type with every typedef and typeof resolved ("typeof (x)"
   becomes "long"); NULL for an unnamed struct or union. */
const char *oracle_expr_canonical_type(Oracle *o, size_t begin, size_t end);

/* ==== oracle_types.c: type names printed from the oracle's types ==== */

/* How the printer names a type declared inside a function that acc hoists
   to file scope: for the struct, union, enum or typedef declared at `off`
   (its name, or the keyword of an unnamed tag), the name it has there
   ("item__f", without the keyword), or NULL if it is not hoisted. */
typedef const char *OracleNamer(void *ctx, size_t off);

/*
 * A C type name that means, at file scope, the type of: the expression at
 * [begin, end); the variable declared at name_off; the result of the
 * function declared at name_off (or named `name`, declared in a header);
 * its parameter i, adjusted as C adjusts it (an array or a function is a
 * pointer).  Printed from the type, so declarators nest at any depth:
 * "int (*)(int)", "int (*(*)[3])(void)", "struct item__f *".  NULL when no
 * such name exists: a variably modified type, or an unnamed or local
 * struct, union or enum the namer does not name.
 */
const char *oracle_type_name_expr(Oracle *o, size_t begin, size_t end,
                                  OracleNamer *namer, void *ctx);
const char *oracle_type_name_decl(Oracle *o, size_t name_off,
                                  OracleNamer *namer, void *ctx);
const char *oracle_type_name_result(Oracle *o, size_t name_off,
                                    const char *name, OracleNamer *namer,
                                    void *ctx);
const char *oracle_type_name_param(Oracle *o, size_t name_off,
                                   const char *name, int i,
                                   OracleNamer *namer, void *ctx);

/* True if that expression's type is void. */
bool oracle_expr_is_void(Oracle *o, size_t begin, size_t end);

/* True if that expression is an async function or a pointer to one
   (`f`, `fp`, `s.op`, `*fp`): a call of it makes a future. */
bool oracle_expr_is_async_fn(Oracle *o, size_t begin, size_t end);
/* 0 if it is no function nor a pointer to one, 1 for a plain one, 2 for
   an async one. */
int oracle_expr_fn_kind(Oracle *o, size_t begin, size_t end);

/* The canonical spelling of the result type of the function declared at
   name_off ("int" for `typedef int status; status f(void)`), or NULL. */
const char *oracle_result_canonical(Oracle *o, size_t name_off);

/* The offset of the name of the member that the member access at
   [begin, end) (`p->fut`, `s.fut`) names; (size_t)-1 if none. */
size_t oracle_member_decl(Oracle *o, size_t begin, size_t end);

/* The value of the integer constant expression at [begin, end); false if
   it is none. */
bool oracle_eval_int(Oracle *o, size_t begin, size_t end, long long *value);

/* True if the declaration whose name is at name_off has a variably modified
   type (a VLA or pointer to one). */
bool oracle_decl_is_vm(Oracle *o, size_t name_off);
/* The same for a pointer (to a VLA, or to a pointer to one...): an object
   of fixed size whose type is sized at run time. */
bool oracle_decl_is_vm_pointer(Oracle *o, size_t name_off);

/* True if that declaration's type is a number, a pointer or an
   enumeration, neither volatile nor _Atomic. */
bool oracle_decl_is_plain_scalar(Oracle *o, size_t name_off);
/* The same, and not const, for the result type of the function declared
   there. */
bool oracle_result_is_plain_scalar(Oracle *o, size_t name_off);

/*
 * For a hand-written future type spelled `type` (e.g. "ac_sleep_t"): the
 * names of its poll and drop functions and the spelling of its output type
 * ("void" for none), found from the declaration of NAME_poll(NAME_t *,
 * ac_context_t *, OUT *).  False if `type` is no future type.
 */
bool oracle_future_info(Oracle *o, const char *type, const char **poll,
                        const char **drop, const char **out_type);
/* NAME_drop_ready of the future type `type` (NAME_t) when its header
 * declares `void NAME_drop_ready(NAME_t *)`: what an await calls after
 * the future was ready instead of NAME_drop (docs/runtime.md §1); NULL
 * when it has none. */
const char *oracle_future_drop_ready(Oracle *o, const char *type);

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
