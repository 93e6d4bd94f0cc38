/*
 * live_locals.h: liveness of an async function's locals by use
 * (live_locals.c): which awaits each one lives across, from its first write
 * to its last read.  The lowering keeps a local that lives across none out
 * of the frame; live.c reports the live sets and their reasons.
 */
#ifndef LIVE_LOCALS_H
#define LIVE_LOCALS_H

#include "ast.h"
#include "oracle.h"

/* Whether live_local_why will be asked (--emit=layout; the default): if
   not, each local's references are freed once its interval is known (a
   reference of every use of every local: megabytes for a large file). */
void live_locals_keep_reasons(bool keep);
/* Whether the frame may suspend at an await (its child may answer
   pending); the lowering knows which awaits cannot (lower_stmt.c). */
typedef bool LiveSuspends(Node *await, void *arg);
/* Analyses the locals of one async function definition (before lowering);
   a local needs a frame field only across the awaits `suspends` (NULL:
   every await) says the frame may stop at. */
void live_locals_analyze(Source *src, Oracle *o, Node *fn_def,
                         LiveSuspends *suspends, void *arg);
/* Whether local d holds a value still needed across the await node. */
bool live_local_at(Decl *d, Node *await);
/* Whether d lives across any await of its function at which the frame may
   suspend: then it needs a frame field (across one that cannot, the poll
   goes on and its C locals with it).  Locals not analysed answer true. */
bool live_local_in_frame(Decl *d);
/* Whether an await the frame may suspend at follows d's declaration in
   its scope (a resumption label there jumps into d's scope).  Locals not
   analysed answer true. */
bool live_suspends_after(Decl *d);
/* Why d is live at the await, in words: "set at line 4, used at line 9
   after the await at 6:3", "its address is taken (line 5)", ... */
const char *live_local_why(Source *src, Decl *d, Node *await);

/* Whether parameter d of an analysed function keeps the value it was
   passed: the body never assigns it, takes its address, names it in an
   asm statement or hands it to va_arg and the like. */
bool live_param_read_only(Decl *d);

#endif /* LIVE_LOCALS_H */
