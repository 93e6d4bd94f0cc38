/*
 * debug.c: what a debugger and the tracer need to find, kept off the hot
 * paths.
 *
 *  - The debug tables acc writes per async function (ac.h, "debug
 *    metadata"), registered by each translated file at start-up: a list
 *    that only grows, pushed with a CAS so constructors of libraries
 *    loaded on several threads at once cannot lose one.
 *  - The live runtimes, so the gdb extension (share/acc/gdb/, docs/cli.md)
 *    can walk each one's slab for its tasks (slab.c: a slot whose first
 *    word is not 0 holds a task).  A runtime is added by ac_runtime_new and
 *    removed by ac_runtime_free, under a mutex: neither is on a hot path.
 *
 * The gdb extension reads these through libacrt's debug information
 * (ac__debug_units, ac__debug_runtimes, AC__SLAB_HDR), never by calling
 * into the program, so it works on a core file too.
 */
#include "internal.h"

#include <pthread.h>

AC_INTERNAL ac_debug_unit_t *ac__debug_units;
AC_INTERNAL ac_runtime_t *ac__debug_runtimes;
/* Where the first slot of a slab chunk starts, for the gdb extension. */
AC_INTERNAL const uint32_t ac__debug_slab_hdr = AC__SLAB_HDR;
static pthread_mutex_t runtimes_lock = PTHREAD_MUTEX_INITIALIZER;

void ac_debug_register(ac_debug_unit_t *unit) {
  ac_debug_unit_t *head = __atomic_load_n(&ac__debug_units, __ATOMIC_RELAXED);
  do
    unit->next = head;
  while (!__atomic_compare_exchange_n(&ac__debug_units, &head, unit, true,
                                      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

const ac_debug_func_t *ac_debug_find(const ac_future_vtable_t *vt) {
  for (ac_debug_unit_t *u = __atomic_load_n(&ac__debug_units, __ATOMIC_ACQUIRE);
       u; u = u->next)
    for (size_t i = 0; i < u->nfuncs; i++)
      if (u->funcs[i]->vtable == vt ||
          (vt->name && u->funcs[i]->name == vt->name))
        return u->funcs[i];
  return NULL;
}

void ac__debug_runtime_added(ac_runtime_t *rt) {
  pthread_mutex_lock(&runtimes_lock);
  rt->debug_next = ac__debug_runtimes;
  ac__debug_runtimes = rt;
  pthread_mutex_unlock(&runtimes_lock);
}

void ac__debug_runtime_removed(ac_runtime_t *rt) {
  pthread_mutex_lock(&runtimes_lock);
  for (ac_runtime_t **p = &ac__debug_runtimes; *p; p = &(*p)->debug_next)
    if (*p == rt) {
      *p = rt->debug_next;
      break;
    }
  pthread_mutex_unlock(&runtimes_lock);
}
