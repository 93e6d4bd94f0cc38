/*
 * slab.c: task and object memory.
 *
 * Tasks come in few sizes, so they are carved from 256 KiB chunks of equal
 * slots instead of one malloc each (malloc's header and rounding cost W4
 * 8-16 bytes a task, and its locks a trip per spawn).  Each worker owns a
 * heap; one more, behind a spinlock, serves threads that are not workers,
 * and one process-wide heap holds the runtime's handle-checked objects
 * (channels, fds: handle.c).  A heap has per-size-class free lists that
 * only its owner touches (no atomics).  A slot freed by another thread goes
 * on the class's remote list with a CAS; the owner takes the whole list
 * with one exchange when its own list runs dry (the consumer takes
 * everything, so no ABA).
 *
 * Chunks are aligned to their size, so a slot finds its chunk, and through
 * it its runtime, by masking its address.  Tasks too large for a class, or
 * aligned beyond 16, get a chunk of their own ("large").
 *
 * Type-stable memory.  A handle (handle.c) is a slot's address tagged with
 * the slot's generation, and a program may use one by mistake long after
 * its slot was freed, even after its runtime was freed.  So a chunk is
 * never given back to malloc and never changes its slot size: a stale
 * handle always points at the start of a slot.  Every slot starts with two
 * words that keep their meaning in every state: word 0, which is 0 while
 * the slot is free (a task's state, an object's kind), and the generation,
 * bumped at each allocation of the slot.  A stale handle reads its slot's
 * generation and sees that it moved.  A free slot also keeps its free-list
 * link after them (FREE_KEEP bytes in all).
 *
 * Generations have AC__GEN_BITS bits (what fits in a pointer beside the
 * address).  A slot that has used them all is retired, never handed out
 * again, so no generation repeats.  To wear the slots of a chunk evenly (a
 * task spawned and joined in a loop would otherwise reuse one slot), a
 * slot rests on a cold list every COLD_EVERY uses; the cold list is used
 * after the chunk's uncarved slots.
 *
 * Returning memory.  When a worker parks (it found nothing to run) and
 * its heap freed enough since its last look, it walks its free lists,
 * counts the free slots of each chunk, and returns every chunk that is
 * wholly free to the process-wide pool, keeping one per size class.  A
 * chunk in the pool is decommitted (madvise: its pages read as zeros
 * again, generation 0, which no handle carries; its first page, with the
 * header, stays), and remembers the highest generation it handed out: a
 * chunk taken from the pool continues above it.  A freed runtime's chunks
 * go to the pool too, and stay committed up to AC_SLAB_KEEP_MB (default
 * 32 MiB) for the next runtime of the process.
 *
 * A free slot has 0 in its first word (a live task's state word never
 * has: it holds at least one reference), so shutdown finds every live task
 * by walking the chunks; this replaces a registry of live tasks.
 */
#include "internal.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Under ASan, memory a slot does not own is poisoned: the uncarved part
 * of a chunk, a free slot past its first FREE_KEEP bytes, and the
 * rounding at the end of a slot.  Slab reuse would otherwise hide a use
 * after free of task memory.  The first words of a slot are never
 * poisoned once carved: stale handles read them. */
#define POISON AC__POISON
#define UNPOISON AC__UNPOISON

#define CHUNK_HDR AC__SLAB_HDR
#define FREE_KEEP AC__SLAB_FREE_KEEP /* bytes of a free slot in use */
#define PAGE 4096u
#define COLD_EVERY AC__SLAB_COLD_EVERY
#define TRIM_MIN 4096u   /* frees between two trims */
#define LARGE_CACHE 8u   /* freed large chunks a runtime keeps committed */

/* Size classes (internal.h): 16, 24, then 16 k for class k >= 2.  The
 * 24-byte class, 8-aligned, takes what fits and needs no more (a task of
 * a header and an 8-byte frame, W1's: a third less memory to touch than
 * in 32; the handles keep 3 generation bits below the address for it).
 * Classes of 16 k bytes are 16-aligned: chunk headers are 128 bytes. */
#define class_of ac__slab_class_of
#define slot_size ac__slab_slot_size
#define link_of ac__slab_link
#define gen_load ac__slab_gen
#define gen_store ac__slab_set_gen

static uintptr_t align_up(uintptr_t n, uintptr_t a) {
  return (n + a - 1) & ~(a - 1);
}

/* ==== the pool: chunks no heap uses, process-wide ==== */

static struct {
  ac__spin_t lock;
  ac__slab_chunk_t *warm[AC__SLAB_NCLASS]; /* committed */
  ac__slab_chunk_t *cold[AC__SLAB_NCLASS]; /* decommitted */
  ac__slab_chunk_t *large;                 /* by (len, slot) */
  size_t committed;                        /* bytes in warm lists */
  size_t keep;                             /* AC_SLAB_KEEP_MB, bytes */
  bool keep_read;
} pool;

static void decommit(ac__slab_chunk_t *c) {
  if (c->len > PAGE)
    (void)madvise((char *)c + PAGE, c->len - PAGE, MADV_DONTNEED);
}

static size_t keep_bytes(void) {
  if (!pool.keep_read) {
    const char *env = getenv("AC_SLAB_KEEP_MB");
    long mb = env && *env ? strtol(env, NULL, 10) : 32;
    pool.keep = mb > 0 ? (size_t)mb << 20 : 0;
    pool.keep_read = true;
  }
  return pool.keep;
}

/* A chunk nobody uses: to the pool (committed if warm and the budget
 * allows), or retired when its generations are spent. */
static void pool_put(ac__slab_chunk_t *c, bool warm) {
  c->sched = NULL;
  c->heap = NULL;
  if (c->gen_floor >= AC__GEN_LIMIT - 1) {
    decommit(c); /* retired: kept mapped for stale handles, never reused */
    return;
  }
  ac__spin_lock(&pool.lock);
  if (warm && pool.committed + c->len > keep_bytes())
    warm = false;
  ac__spin_unlock(&pool.lock);
  if (!warm)
    decommit(c);
  ac__spin_lock(&pool.lock);
  ac__slab_chunk_t **list = c->cls == AC__SLAB_LARGE ? &pool.large
                            : warm                   ? &pool.warm[c->cls]
                                                     : &pool.cold[c->cls];
  if (warm)
    pool.committed += c->len;
  c->next = *list;
  *list = c;
  ac__spin_unlock(&pool.lock);
}

/* A chunk of class cls from the pool, or a new one.  The caller sets the
 * owner fields. */
static ac__slab_chunk_t *chunk_get(uint32_t cls) {
  ac__spin_lock(&pool.lock);
  ac__slab_chunk_t *c = pool.warm[cls];
  if (c) {
    pool.warm[cls] = c->next;
    pool.committed -= c->len;
  } else if ((c = pool.cold[cls])) {
    pool.cold[cls] = c->next;
  }
  ac__spin_unlock(&pool.lock);
  if (c)
    return c;
  c = aligned_alloc(AC__SLAB_CHUNK, AC__SLAB_CHUNK);
  if (!c)
    return NULL;
  if ((uintptr_t)c >> 47) { /* handles keep their tag in those bits */
    free(c);
    return NULL;
  }
  c->cls = cls;
  c->slot = slot_size(cls);
  c->nslots = (AC__SLAB_CHUNK - CHUNK_HDR) / c->slot;
  c->len = AC__SLAB_CHUNK;
  c->gen_floor = 0;
  POISON((char *)c + CHUNK_HDR, AC__SLAB_CHUNK - CHUNK_HDR);
  return c;
}

/* ==== heaps ==== */

/* Bytes held, written by one thread at a time, read by stats. */
static void add_bytes(size_t *b, ssize_t n) {
  __atomic_store_n(b, *b + (size_t)n, __ATOMIC_RELAXED);
}

/* Counters: plain stores on an owner's heap (read by stats from other
 * threads, hence atomic stores), read-modify-write on a shared one. */
static void bump(ac__slab_heap_t *h, size_t *c) {
  if (h->shared)
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
  else
    __atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

static ac__slab_chunk_t *new_chunk(ac__sched_t *s, ac__slab_heap_t *h,
                                   uint32_t cls) {
  ac__slab_chunk_t *c = chunk_get(cls);
  if (!c)
    return NULL;
  c->sched = s;
  c->heap = h;
  c->carved = 0;
  c->retired = 0;
  c->visited = false;
  c->prev = NULL;
  c->next = h->chunks;
  if (h->chunks)
    h->chunks->prev = c;
  h->chunks = c;
  add_bytes(&h->chunk_bytes, (ssize_t)c->len);
  return c;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
/* A chunk taken while its class is growing (a burst of spawns, W1: a
 * million tasks) is faulted in with one system call instead of a page
 * fault per 4 KiB as its slots are carved (1.4 us a page here, 1.05
 * populated).  Not the first chunk of a class: a program with a few
 * tasks of many sizes would hold 256 KiB for each.  An older kernel's
 * EINVAL leaves the faults to the carving. */
static void populate(ac__slab_chunk_t *c) {
  (void)madvise((char *)c + PAGE, c->len - PAGE, MADV_POPULATE_WRITE);
}

static void *carve(ac__slab_chunk_t *c) {
  void *p = (char *)c + CHUNK_HDR + (size_t)c->carved * c->slot;
  UNPOISON(p, FREE_KEEP);
  gen_store(p, c->gen_floor + 1);
  __atomic_store_n(&c->carved, c->carved + 1, __ATOMIC_RELAXED);
  return p;
}

/* Takes the head of a free or cold list and gives it its next generation;
 * NULL if that would spend its last (the slot is retired instead), or if
 * it is due for a rest (it goes to the cold list). */
static void *reuse(ac__slab_class_t *k, void **list) {
  void *p = *list;
  *list = *link_of(p);
  uint32_t g = gen_load(p) + 1;
  if (AC_UNLIKELY(g >= AC__GEN_LIMIT)) {
    ac__slab_chunk_of(p)->retired++;
    return NULL;
  }
  if (AC_UNLIKELY(g % COLD_EVERY == 0) && list != &k->cold) {
    gen_store(p, g); /* rested once it comes back from the cold list */
    *link_of(p) = k->cold;
    k->cold = p;
    return NULL;
  }
  gen_store(p, g);
  return p;
}

static void *class_pop(ac__sched_t *s, ac__slab_heap_t *h, uint32_t cls) {
  ac__slab_class_t *k = &h->cls[cls];
  for (;;) {
    if (!k->free)
      k->free = __atomic_exchange_n(&k->remote, NULL, __ATOMIC_ACQUIRE);
    void *p;
    if (k->free) {
      if ((p = reuse(k, &k->free)))
        return p;
      continue;
    }
    ac__slab_chunk_t *c = k->cur;
    if (c && c->carved < c->nslots)
      return carve(c);
    if (k->cold) {
      if ((p = reuse(k, &k->cold)))
        return p;
      continue;
    }
    bool burst = c != NULL; /* the class filled a chunk already */
    if (!(c = new_chunk(s, h, cls)))
      return NULL;
    if (burst)
      populate(c);
    k->cur = c;
  }
}

/* ==== large tasks: a chunk each, on a locked list ==== */

static void large_link(ac__sched_t *s, ac__slab_chunk_t *c) {
  c->prev = NULL;
  c->next = s->large;
  if (s->large)
    s->large->prev = c;
  s->large = c;
}

static void large_unlink(ac__sched_t *s, ac__slab_chunk_t *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    s->large = c->next;
  if (c->next)
    c->next->prev = c->prev;
}

/* A large chunk of len bytes with its slot at off: the runtime's cache or
 * the pool (same len and off only: a stale handle must still point at a
 * slot's start), else a new one. */
static ac__slab_chunk_t *large_get(ac__sched_t *s, size_t len, size_t off,
                                   bool *from_cache) {
  ac__slab_chunk_t **p, *c = NULL;
  ac__spin_lock(&s->large_lock);
  for (p = &s->large_cache; *p; p = &(*p)->next)
    if ((*p)->len == len && (*p)->slot == off) {
      c = *p;
      *p = c->next;
      __atomic_store_n(&s->large_ncache, s->large_ncache - 1,
                       __ATOMIC_RELAXED);
      break;
    }
  ac__spin_unlock(&s->large_lock);
  *from_cache = c != NULL;
  if (c)
    return c;
  ac__spin_lock(&pool.lock);
  for (p = &pool.large; *p; p = &(*p)->next)
    if ((*p)->len == len && (*p)->slot == off) {
      c = *p;
      *p = c->next;
      break;
    }
  ac__spin_unlock(&pool.lock);
  if (c)
    return c;
  c = aligned_alloc(AC__SLAB_CHUNK, len);
  if (!c)
    return NULL;
  if ((uintptr_t)c >> 47) {
    free(c);
    return NULL;
  }
  c->cls = AC__SLAB_LARGE;
  c->slot = (uint32_t)off; /* a large chunk keeps its one slot's offset */
  c->len = len;
  c->gen_floor = 0;
  c->nslots = 1;
  return c;
}

/* Out of line, as large_free: inlined, they made the fast paths save and
 * restore six registers on every task (W1). */
__attribute__((noinline)) static void *large_alloc(ac__sched_t *s, size_t size,
                                                  size_t align) {
  if (align > AC__SLAB_CHUNK / 2)
    return NULL;
  size_t off = align_up(CHUNK_HDR, align < 16 ? 16 : align);
  if (size > SIZE_MAX - off - AC__SLAB_CHUNK)
    return NULL;
  size_t len = align_up(off + size, AC__SLAB_CHUNK);
  bool from_cache;
  ac__slab_chunk_t *c = large_get(s, len, off, &from_cache);
  if (!c)
    return NULL;
  c->sched = s;
  c->heap = NULL;
  c->visited = false;
  c->carved = 1;
  c->gen_floor++; /* below the limit: spent chunks are never reused */
  void *p = (char *)c + off;
  UNPOISON(p, size);
  gen_store(p, c->gen_floor);
  ac__spin_lock(&s->large_lock);
  large_link(s, c);
  if (!from_cache)
    add_bytes(&s->large_bytes, (ssize_t)len);
  /* stats read these without the lock */
  __atomic_store_n(&s->large_live, s->large_live + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&s->large_spawned, s->large_spawned + 1, __ATOMIC_RELAXED);
  ac__spin_unlock(&s->large_lock);
  return p;
}

__attribute__((noinline)) static void large_free(ac__slab_chunk_t *c) {
  ac__sched_t *s = c->sched;
  void *p = (char *)c + c->slot;
  __atomic_store_n((uint32_t *)p, 0, __ATOMIC_RELAXED);
  POISON((char *)p + FREE_KEEP, c->len - c->slot - FREE_KEEP);
  ac__spin_lock(&s->large_lock);
  large_unlink(s, c);
  __atomic_store_n(&s->large_live, s->large_live - 1, __ATOMIC_RELAXED);
  bool cache = s->large_ncache < LARGE_CACHE &&
               c->gen_floor < AC__GEN_LIMIT - 1;
  if (cache) {
    c->next = s->large_cache;
    s->large_cache = c;
    __atomic_store_n(&s->large_ncache, s->large_ncache + 1, __ATOMIC_RELAXED);
  } else {
    add_bytes(&s->large_bytes, -(ssize_t)c->len);
  }
  ac__spin_unlock(&s->large_lock);
  if (!cache)
    pool_put(c, false);
}

/* ==== alloc and free ==== */

static void *heap_alloc(ac__sched_t *s, ac__slab_heap_t *h, size_t size,
                        size_t align) {
  uint32_t cls = class_of(size, align);
  if (h->shared)
    ac__spin_lock(&h->lock);
  void *p = class_pop(s, h, cls);
  if (p) {
    bump(h, &h->allocs);
    UNPOISON(p, size);
    POISON((char *)p + size, slot_size(cls) - size);
  }
  if (h->shared)
    ac__spin_unlock(&h->lock);
  return p;
}

/* A worker's own heap: ac__slab_take (internal.h), which task.c's spawn
 * inlines too; the rest here. */
_Static_assert(sizeof(ac_task_t) >= FREE_KEEP && sizeof(ac__obj_t) + 8 >= FREE_KEEP,
               "every slot is at least FREE_KEEP bytes");

void *ac__slab_alloc(ac__sched_t *s, size_t size, size_t align) {
  if (AC_UNLIKELY(align > 16 || size > AC__SLAB_MAX))
    return large_alloc(s, size, align);
  ac__worker_t *w = ac__tls.worker;
  if (AC_UNLIKELY(!w || w->sched != s))
    return heap_alloc(s, &s->heaps[s->nworkers], size, align);
  void *p = ac__slab_take(w->heap, class_of(size, align), size);
  return AC_LIKELY(p) ? p : heap_alloc(s, w->heap, size, align);
}

void ac__slab_free(void *p) {
  if (AC_LIKELY(ac__slab_free_here(p)))
    return;
  ac__slab_chunk_t *c = ac__slab_chunk_of(p);
  if (c->cls == AC__SLAB_LARGE) {
    large_free(c);
    return;
  }
  ac__slab_heap_t *h = c->heap;
  UNPOISON(p, FREE_KEEP);
  POISON((char *)p + FREE_KEEP, c->slot - FREE_KEEP);
  __atomic_store_n((uint32_t *)p, 0, __ATOMIC_RELAXED); /* marks it free */
  ac__slab_class_t *k = &h->cls[c->cls];
  /* Another thread's heap, or the shared one: its remote list. */
  void *head = __atomic_load_n(&k->remote, __ATOMIC_RELAXED);
  do
    *link_of(p) = head;
  while (!__atomic_compare_exchange_n(&k->remote, &head, p, true,
                                      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
  __atomic_fetch_add(&h->remote_frees, 1, __ATOMIC_RELAXED);
}

/* ==== trimming: wholly free chunks back to the pool ==== */

/* Counts, per chunk, the slots of a free list. */
static void count_list(void *l) {
  for (void *p = l; p; p = *link_of(p))
    ac__slab_chunk_of(p)->nfree++;
}

/* A wholly free chunk about to go to the pool: its floor becomes the
 * highest generation any of its slots had (retired ones included). */
static void settle(ac__slab_chunk_t *c) {
  for (uint32_t k = 0; k < c->carved; k++) {
    uint32_t g = gen_load((char *)c + CHUNK_HDR + (size_t)k * c->slot);
    if (g > c->gen_floor)
      c->gen_floor = g;
  }
}

/* The list without the slots of chunks being released; *n counts them. */
static void *filter(void *l, size_t *n) {
  void *head = NULL, **tail = &head;
  for (void *p = l, *next; p; p = next) {
    next = *link_of(p);
    if (ac__slab_chunk_of(p)->release)
      continue;
    *tail = p;
    tail = link_of(p);
    ++*n;
  }
  *tail = NULL;
  return head;
}

static void *concat(void *a, void *b) {
  if (!a)
    return b;
  void *p = a;
  while (*link_of(p))
    p = *link_of(p);
  *link_of(p) = b;
  return a;
}

static bool chunk_empty(const ac__slab_chunk_t *c) {
  return c->nfree + c->retired == c->carved;
}

/* The owner (or the holder of a shared heap's lock): every chunk wholly
 * free goes to the pool, decommitted, except one per class (the one being
 * carved if it is free).  Returns the chunks released. */
static size_t trim_heap(ac__slab_heap_t *h) {
  void *remote[AC__SLAB_NCLASS];
  bool kept[AC__SLAB_NCLASS] = {false};
  /* Frees counted before the remote lists are taken: one that lands
   * after the take makes the next trim due (counted after, it would be
   * taken for seen and its chunk kept for good). */
  size_t mark = __atomic_load_n(&h->frees, __ATOMIC_RELAXED) +
                __atomic_load_n(&h->remote_frees, __ATOMIC_ACQUIRE);
  for (ac__slab_chunk_t *c = h->chunks; c; c = c->next) {
    c->nfree = 0;
    c->release = false;
  }
  for (uint32_t i = 0; i < AC__SLAB_NCLASS; i++) {
    ac__slab_class_t *k = &h->cls[i];
    remote[i] = __atomic_exchange_n(&k->remote, NULL, __ATOMIC_ACQUIRE);
    count_list(k->free);
    count_list(k->cold);
    count_list(remote[i]);
    if (k->cur && chunk_empty(k->cur))
      kept[i] = true;
  }
  size_t released = 0;
  for (ac__slab_chunk_t *c = h->chunks; c; c = c->next)
    if (chunk_empty(c) && c != h->cls[c->cls].cur) {
      if (!kept[c->cls])
        kept[c->cls] = true;
      else
        c->release = true, released++;
    }
  size_t left = 0;
  for (uint32_t i = 0; i < AC__SLAB_NCLASS; i++) {
    ac__slab_class_t *k = &h->cls[i];
    k->free = concat(filter(k->free, &left), filter(remote[i], &left));
    k->cold = filter(k->cold, &left);
  }
  /* Read without the lock of a shared heap by trim_due: atomic stores. */
  __atomic_store_n(&h->trim_left, left, __ATOMIC_RELAXED);
  __atomic_store_n(&h->trim_mark, mark, __ATOMIC_RELAXED);
  if (!released)
    return 0;
  for (ac__slab_chunk_t *c = h->chunks, *next; c; c = next) {
    next = c->next;
    if (!c->release)
      continue;
    if (c->prev)
      c->prev->next = c->next;
    else
      h->chunks = c->next;
    if (c->next)
      c->next->prev = c->prev;
    add_bytes(&h->chunk_bytes, -(ssize_t)c->len);
    settle(c);
    pool_put(c, false);
  }
  return released;
}

/* Worth a walk: enough frees since the last one, and more than a quarter
 * of the free slots the last one left (the walk costs one step per free
 * slot, so this keeps it a few steps per free); or every slot is free
 * again and more than a chunk a class could be kept is held. */
static bool trim_due(ac__slab_heap_t *h) {
  size_t frees = __atomic_load_n(&h->frees, __ATOMIC_RELAXED) +
                 __atomic_load_n(&h->remote_frees, __ATOMIC_RELAXED);
  size_t freed = frees - __atomic_load_n(&h->trim_mark, __ATOMIC_RELAXED);
  if (!freed)
    return false;
  if (freed >= TRIM_MIN &&
      freed >= __atomic_load_n(&h->trim_left, __ATOMIC_RELAXED) / 4)
    return true;
  return __atomic_load_n(&h->allocs, __ATOMIC_RELAXED) == frees &&
         __atomic_load_n(&h->chunk_bytes, __ATOMIC_RELAXED) >
             4 * (size_t)AC__SLAB_CHUNK;
}

/* The runtime's large cache back to the pool, decommitted. */
static void large_flush(ac__sched_t *s) {
  if (!__atomic_load_n(&s->large_ncache, __ATOMIC_RELAXED))
    return;
  ac__spin_lock(&s->large_lock);
  ac__slab_chunk_t *c = s->large_cache;
  s->large_cache = NULL;
  __atomic_store_n(&s->large_ncache, 0, __ATOMIC_RELAXED);
  for (ac__slab_chunk_t *k = c; k; k = k->next)
    add_bytes(&s->large_bytes, -(ssize_t)k->len);
  ac__spin_unlock(&s->large_lock);
  for (ac__slab_chunk_t *next; c; c = next) {
    next = c->next;
    pool_put(c, false);
  }
}

/* A worker about to park: its own heap, the shared heap of the runtime's
 * other threads, and the object heap, each if it freed enough. */
void ac__slab_trim(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  if (w && w->sched == s && trim_due(&s->heaps[w->index]))
    trim_heap(&s->heaps[w->index]);
  ac__slab_heap_t *sh = &s->heaps[s->nworkers];
  if (trim_due(sh)) {
    ac__spin_lock(&sh->lock);
    if (trim_due(sh)) /* another worker may have done it meanwhile */
      trim_heap(sh);
    ac__spin_unlock(&sh->lock);
  }
  ac__obj_trim();
  large_flush(s);
}

/* An idle worker whose heap holds many chunks with tasks still alive in
 * them: those tasks may finish on other workers while it sleeps (their
 * slots go to its remote lists), and only it can give the chunks back, so
 * it sleeps with a timeout and looks again (exec_multi.c). */
bool ac__slab_recheck(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  if (!w || w->sched != s)
    return false;
  ac__slab_heap_t *h = &s->heaps[w->index];
  return h->chunk_bytes > 16 * (size_t)AC__SLAB_CHUNK;
}

/* ==== the object heap (handle.c's checked objects) ==== */

static ac__slab_heap_t obj_heap = {.shared = true};

void *ac__obj_alloc(size_t size) {
  if (size > AC__SLAB_MAX)
    return NULL;
  return heap_alloc(NULL, &obj_heap, size, 16);
}

void ac__obj_trim(void) {
  if (!trim_due(&obj_heap))
    return;
  ac__spin_lock(&obj_heap.lock);
  if (trim_due(&obj_heap))
    trim_heap(&obj_heap);
  ac__spin_unlock(&obj_heap.lock);
}

/* ==== the runtime's view ==== */

int ac__slab_init(ac__sched_t *s) {
  s->heaps = calloc(s->nworkers + 1, sizeof *s->heaps);
  if (!s->heaps)
    return -1;
  for (uint32_t i = 0; i < s->nworkers; i++) {
    s->heaps[i].owner = &s->workers[i];
    s->workers[i].heap = &s->heaps[i];
  }
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

size_t ac__slab_bytes(ac__sched_t *s) {
  size_t n = __atomic_load_n(&s->large_bytes, __ATOMIC_RELAXED);
  for (uint32_t i = 0; s->heaps && i <= s->nworkers; i++)
    n += __atomic_load_n(&s->heaps[i].chunk_bytes, __ATOMIC_RELAXED);
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
  /* fn may free a large chunk: restart after each call, and let fn's
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

/* Gives the chunks to the pool, unless slots are still allocated (a task
 * kept alive by a waker that outlived its runtime: its chunk must not be
 * reused under it). */
void ac__slab_destroy(ac__sched_t *s) {
  if (!s->heaps)
    return;
  large_flush(s);
  if (ac__slab_live(s) == 0) {
    for (uint32_t i = 0; i <= s->nworkers; i++) {
      ac__slab_chunk_t *c = s->heaps[i].chunks, *next;
      for (; c; c = next) {
        next = c->next;
        settle(c);
        pool_put(c, true);
      }
    }
  }
  free(s->heaps);
  s->heaps = NULL;
}

size_t ac__sched_live_tasks(ac__sched_t *s) {
  size_t n = __atomic_load_n(&s->large_spawned, __ATOMIC_RELAXED);
  for (uint32_t i = 0; s->heaps && i <= s->nworkers; i++)
    n += __atomic_load_n(&s->heaps[i].allocs, __ATOMIC_RELAXED) -
         __atomic_load_n(&s->heaps[i].finished, __ATOMIC_RELAXED);
  return n;
}
