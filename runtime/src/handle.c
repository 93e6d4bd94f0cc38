/*
 * handle.c: checked handles, and what a misuse reports.
 *
 * The pointers the runtime hands out (ac_task_t *, ac_mpsc_t *,
 * ac_oneshot_t *, ac_fd_t *, ac_semaphore_t *, ac_notify_t *) are not the
 * objects' addresses but handles: the address of the object's slot with
 * the slot's generation in the bits an address does not use (17 above,
 * 3 below; ac__handle_make in internal.h).  Slots live in type-stable
 * memory (slab.c): a handle used after its object was freed, even after
 * its runtime was freed, reads a slot that still exists and whose
 * generation moved on, and the call reports the misuse instead of
 * touching another object.  docs/runtime.md lists each misuse and what it
 * returns.
 *
 * A misuse prints "acrt: misuse: WHAT" on stderr and returns its error
 * (-EBADF for a handle whose object is gone, -EINVAL for an operation its
 * object's state forbids).  AC_MISUSE=abort makes it abort instead (a
 * debugging aid: the core shows the caller), AC_MISUSE=quiet only returns
 * the error.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MODE_UNSET, MODE_WARN, MODE_QUIET, MODE_ABORT };
static int mode; /* atomic */

static int misuse_mode(void) {
  int m = __atomic_load_n(&mode, __ATOMIC_RELAXED);
  if (m != MODE_UNSET)
    return m;
  const char *env = getenv("AC_MISUSE");
  m = !env                       ? MODE_WARN
      : !strcmp(env, "abort")    ? MODE_ABORT
      : !strcmp(env, "quiet")    ? MODE_QUIET
                                 : MODE_WARN;
  __atomic_store_n(&mode, m, __ATOMIC_RELAXED);
  return m;
}

int ac__misuse(int err, const char *what) {
  int m = misuse_mode();
  if (m != MODE_QUIET) {
    /* One write: lines of two threads do not interleave. */
    char line[256];
    static const char pre[] = "acrt: misuse: ";
    size_t n = strlen(what);
    if (n > sizeof line - sizeof pre - 1)
      n = sizeof line - sizeof pre - 1;
    memcpy(line, pre, sizeof pre - 1);
    memcpy(line + sizeof pre - 1, what, n);
    line[sizeof pre - 1 + n] = '\n';
    ssize_t rc = write(2, line, sizeof pre + n);
    (void)rc;
  }
  if (m == MODE_ABORT)
    abort();
  return err;
}

void *ac__obj_new(size_t size, uint32_t kind) {
  ac__obj_t *o = ac__obj_alloc(size);
  if (!o)
    return NULL;
  memset((char *)o + sizeof *o, 0, size - sizeof *o);
  __atomic_store_n(&o->kind, kind, __ATOMIC_RELEASE);
  return o;
}

void ac__obj_free(void *p) { ac__slab_free(p); }
