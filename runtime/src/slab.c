/*
 * slab.c: task memory.  One malloc per task cost 8-16 bytes of chunk
 * header and rounding per task (W4: 124 B resident for an 88 B task) and a
 * trip through malloc's locks; tasks come in few sizes, so they are carved
 * from 256 KiB chunks of equal slots instead.
 *
 * Each worker owns a heap; one more, behind a spinlock, serves threads that
 * are not workers.  A heap has per-size-class free lists that only its
 * owner touches (no atomics).  A slot freed by another thread goes on the
 * class's remote list with a CAS; the owner takes the whole list with one
 * exchange when its own list runs dry (the consumer takes everything, so
 * no ABA).
 *
 * Chunks are aligned to their size, so a task finds its chunk, and through
 * it its runtime, by masking its address: the task header needs no
 * scheduler pointer.  They come from aligned_alloc, not mmap: freed
 * chunks then follow the process's malloc policy (a program that keeps
 * its freed heap, as acbench does, does not fault the pages in again for
 * its next runtime), and valgrind and ASan still see them.  Tasks too large for a class, or aligned beyond 16,
 * get a chunk of their own ("large"), freed with them.
 *
 * A free slot has 0 in its first word (a live task's state word never is:
 * it holds at least one reference), so shutdown can find every live task
 * by walking the chunks; this replaces a registry of live tasks.
 */
#include "internal.h"

#include <stdlib.h>

/* Under ASan, memory a task does not own is poisoned: the uncarved part
 * of a chunk, a free slot past its state word and link, and the rounding
 * at the end of a slot.  Slab reuse would otherwise hide a use after free
 * of task memory. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHUNK_HDR AC__SLAB_HDR
#define LINK_OFF 8 /* the free-list link sits after the state word */
#define FREE_KEEP 16 /* bytes of a free slot in use: state word and link */

static uintptr_t align_up(uintptr_t n, uintptr_t a) {
  return (n + a - 1) & ~(a - 1);
}

static void **link_of(void *slot) {
  return (void **)(void *)((char *)slot + LINK_OFF);
}

/* size bytes (a multiple of the chunk size) aligned to the chunk size. */
static void *map_aligned(size_t size) {
  return aligned_alloc(AC__SLAB_CHUNK, size);
}

/* The heap of the calling thread: its worker's, or the shared one. */
static ac__slab_heap_t *my_heap(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  return w && w->sched == s ? &s->heaps[w->index] : &s->heaps[s->nworkers];
}

/* Counters: plain stores on an owner's heap (read by stats from other
 * threads, hence atomic stores), read-modify-write on the shared one. */
static void bump(ac__slab_heap_t *h, size_t *c) {
  if (h->shared)
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
  else
    __atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

static ac__slab_chunk_t *new_chunk(ac__sched_t *s, ac__slab_heap_t *h,
                                   uint32_t cls) {
  ac__slab_chunk_t *c = map_aligned(AC__SLAB_CHUNK);
  if (!c)
    return NULL;
  c->sched = s;
  c->heap = h;
  c->cls = cls;
  c->slot = (cls + 1) * AC__SLAB_GRAIN;
  c->nslots = (AC__SLAB_CHUNK - CHUNK_HDR) / c->slot;
  c->carved = 0;
  c->prev = NULL;
  c->visited = false;
  c->next = h->chunks;
  h->chunks = c;
  POISON((char *)c + CHUNK_HDR, AC__SLAB_CHUNK - CHUNK_HDR);
  return c;
}

static void *class_pop(ac__sched_t *s, ac__slab_heap_t *h, uint32_t cls) {
  ac__slab_class_t *k = &h->cls[cls];
  if (!k->free)
    k->free = __atomic_exchange_n(&k->remote, NULL, __ATOMIC_ACQUIRE);
  if (k->free) {
    void *p = k->free;
    k->free = *link_of(p);
    return p;
  }
  ac__slab_chunk_t *c = k->cur;
  if (!c || c->carved == c->nslots) {
    if (!(c = new_chunk(s, h, cls)))
      return NULL;
    k->cur = c;
  }
  void *p = (char *)c + CHUNK_HDR + (size_t)c->carved * c->slot;
  UNPOISON(p, FREE_KEEP);
  __atomic_store_n(&c->carved, c->carved + 1, __ATOMIC_RELAXED);
  return p;
}

/* ==== large tasks: a chunk each, on a locked list ==== */

static void *large_alloc(ac__sched_t *s, size_t size, size_t align) {
  if (align > AC__SLAB_CHUNK / 2)
    return NULL;
  size_t off = align_up(CHUNK_HDR, align);
  size_t len = align_up(off + size, AC__SLAB_CHUNK);
  ac__slab_chunk_t *c = map_aligned(len);
  if (!c)
    return NULL;
  c->sched = s;
  c->heap = NULL;
  c->cls = AC__SLAB_LARGE;
  c->slot = (uint32_t)off; /* a large chunk keeps its one slot's offset */
  c->visited = false;
  ac__spin_lock(&s->large_lock);
  c->prev = NULL;
  c->next = s->large;
  if (s->large)
    s->large->prev = c;
  s->large = c;
  /* stats read these without the lock */
  __atomic_store_n(&s->large_live, s->large_live + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&s->large_spawned, s->large_spawned + 1, __ATOMIC_RELAXED);
  ac__spin_unlock(&s->large_lock);
  return (char *)c + off;
}

static void large_free(ac__slab_chunk_t *c) {
  ac__sched_t *s = c->sched;
  ac__spin_lock(&s->large_lock);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->large = c->next;
  if (c->next)
    c->next->prev = c->prev;
  __atomic_store_n(&s->large_live, s->large_live - 1, __ATOMIC_RELAXED);
  ac__spin_unlock(&s->large_lock);
  free(c);
}

/* ==== alloc and free ==== */

void *ac__slab_alloc(ac__sched_t *s, size_t size, size_t align) {
  if (align > 16 || size > AC__SLAB_MAX)
    return large_alloc(s, size, align);
  uint32_t cls = size ? (uint32_t)((size - 1) / AC__SLAB_GRAIN) : 0;
  ac__slab_heap_t *h = my_heap(s);
  if (h->shared)
    ac__spin_lock(&h->lock);
  void *p = class_pop(s, h, cls);
  if (p) {
    bump(h, &h->allocs);
    UNPOISON(p, size);
    POISON((char *)p + size, (cls + 1) * AC__SLAB_GRAIN - size);
  }
  if (h->shared)
    ac__spin_unlock(&h->lock);
  return p;
}

void ac__slab_free(void *p) {
  ac__slab_chunk_t *c = ac__slab_chunk_of(p);
  if (c->cls == AC__SLAB_LARGE) {
    large_free(c);
    return;
  }
  ac__slab_heap_t *h = c->heap;
  UNPOISON(p, FREE_KEEP);
  POISON((char *)p + FREE_KEEP, c->slot - FREE_KEEP);
  __atomic_store_n((uint32_t *)p, 0, __ATOMIC_RELAXED); /* marks it free */
  if (!h->shared && h == my_heap(c->sched)) {
    ac__slab_class_t *k = &h->cls[c->cls];
    *link_of(p) = k->free;
    k->free = p;
    bump(h, &h->frees);
    return;
  }
  ac__slab_class_t *k = &h->cls[c->cls];
  void *head = __atomic_load_n(&k->remote, __ATOMIC_RELAXED);
  do
    *link_of(p) = head;
  while (!__atomic_compare_exchange_n(&k->remote, &head, p, true,
                                      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
  __atomic_fetch_add(&h->remote_frees, 1, __ATOMIC_RELAXED);
}

/* ==== the runtime's view ==== */

int ac__slab_init(ac__sched_t *s) {
  s->heaps = calloc(s->nworkers + 1, sizeof *s->heaps);
  if (!s->heaps)
    return -1;
  s->heaps[s->nworkers].shared = true;
  return 0;
}

size_t ac__slab_live(ac__sched_t *s) {
  size_t n = __atomic_load_n(&s->large_live, __ATOMIC_RELAXED);
  for (uint32_t i = 0; s->heaps && i <= s->nworkers; i++) {
    ac__slab_heap_t *h = &s->heaps[i];
    n += __atomic_load_n(&h->allocs, __ATOMIC_RELAXED) -
         __atomic_load_n(&h->frees, __ATOMIC_RELAXED) -
         __atomic_load_n(&h->remote_frees, __ATOMIC_RELAXED);
  }
  return n;
}

/* Calls fn on every allocated slot (workers stopped).  fn may free slots
 * and even allocate: carved counts and the chunk list are re-read. */
void ac__slab_for_each(ac__sched_t *s, void (*fn)(void *slot)) {
  for (uint32_t i = 0; i <= s->nworkers; i++)
    for (ac__slab_chunk_t *c = s->heaps[i].chunks; c; c = c->next)
      for (uint32_t k = 0; k < __atomic_load_n(&c->carved, __ATOMIC_RELAXED);
           k++) {
        void *p = (char *)c + CHUNK_HDR + (size_t)k * c->slot;
        if (__atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE))
          fn(p);
      }
  /* fn may unmap a large chunk: restart after each call, and let fn's
   * own state (a finished task) make it skip what it already did. */
  for (;;) {
    ac__spin_lock(&s->large_lock);
    void *todo = NULL;
    for (ac__slab_chunk_t *c = s->large; c && !todo; c = c->next)
      if (!c->visited) {
        c->visited = true;
        todo = (char *)c + c->slot;
      }
    ac__spin_unlock(&s->large_lock);
    if (!todo)
      return;
    fn(todo);
  }
}

/* Gives the chunks back, unless slots are still allocated: a handle never
 * joined points into them, and freeing the runtime must not make it dangle. */
void ac__slab_destroy(ac__sched_t *s) {
  if (!s->heaps)
    return;
  if (ac__slab_live(s) == 0) {
    for (uint32_t i = 0; i <= s->nworkers; i++) {
      ac__slab_chunk_t *c = s->heaps[i].chunks, *next;
      for (; c; c = next) {
        next = c->next;
        free(c);
      }
    }
  }
  free(s->heaps);
  s->heaps = NULL;
}

/* Tasks finished, counted on the calling thread's heap (the registry
 * these counters replace took a lock per task).  Every slot holds a task,
 * so the allocation counters count the spawns. */
void ac__slab_count_finished(ac__sched_t *s) {
  ac__slab_heap_t *h = my_heap(s);
  bump(h, &h->finished);
}

size_t ac__sched_live_tasks(ac__sched_t *s) {
  size_t n = __atomic_load_n(&s->large_spawned, __ATOMIC_RELAXED);
  for (uint32_t i = 0; s->heaps && i <= s->nworkers; i++)
    n += __atomic_load_n(&s->heaps[i].allocs, __ATOMIC_RELAXED) -
         __atomic_load_n(&s->heaps[i].finished, __ATOMIC_RELAXED);
  return n;
}
