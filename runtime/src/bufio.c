/*
 * bufio.c: a buffered reader and a buffered writer over an ac_file_t (so
 * over any fd: sockets and pipes through the reactor, files and stdio
 * through the pool).  The reader fills its buffer with one read at a time
 * and serves read_until / read_line / read_exact / read from it; the
 * writer gathers small writes and sends them in one go at flush or when
 * full.
 *
 * Cancel safety: read_until and read_line consume nothing until they
 * complete, as long as the caller's buffer is no larger than the reader's
 * (the line must fit in the reader's buffer to be held there), so a
 * read_line raced against a timeout in a select loses no bytes.
 * read_exact and write_all are not cancel-safe (a dropped one may have
 * moved part of its bytes), as in tokio.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAP 8192

struct ac_reader {
  ac_file_t *f;
  size_t start, end, cap; /* buffered bytes are buf[start, end) */
  bool eof;
  int err;                /* a read error, reported once the buffer is empty */
  char buf[];
};

struct ac_writer {
  ac_file_t *f;
  size_t len, cap;
  char buf[];
};

ac_reader_t *ac_reader_new(ac_file_t *f, size_t cap) {
  if (cap == 0)
    cap = DEFAULT_CAP;
  ac_reader_t *r = calloc(1, sizeof *r + cap);
  if (r) {
    r->f = f;
    r->cap = cap;
  }
  return r;
}

void ac_reader_free(ac_reader_t *r) { free(r); }

size_t ac_reader_buffered(const ac_reader_t *r) { return r->end - r->start; }

const void *ac_reader_peek(const ac_reader_t *r) { return r->buf + r->start; }

void ac_reader_consume(ac_reader_t *r, size_t n) {
  if (n > r->end - r->start)
    n = r->end - r->start;
  r->start += n;
}

enum { OP_UNTIL, OP_EXACT, OP_SOME };

static ac_reader_op_t mk(ac_reader_t *r, int op, void *dst, size_t n,
                         int delim) {
  ac_reader_op_t o;
  memset(&o, 0, sizeof o);
  o.r = r;
  o.dst = dst;
  o.cap = n;
  o.delim = delim;
  o.op = op;
  return o;
}

ac_reader_op_t ac_reader_read_until(ac_reader_t *r, int delim, char *dst,
                                    size_t cap) {
  return mk(r, OP_UNTIL, dst, cap, (unsigned char)delim);
}
ac_reader_op_t ac_reader_read_line(ac_reader_t *r, char *dst, size_t cap) {
  return mk(r, OP_UNTIL, dst, cap, '\n');
}
ac_reader_op_t ac_reader_read_exact(ac_reader_t *r, void *dst, size_t n) {
  return mk(r, OP_EXACT, dst, n, 0);
}
ac_reader_op_t ac_reader_read(ac_reader_t *r, void *dst, size_t n) {
  return mk(r, OP_SOME, dst, n, 0);
}

/* Moves n buffered bytes to the caller's buffer. */
static void take(ac_reader_op_t *o, size_t n) {
  ac_reader_t *r = o->r;
  memcpy((char *)o->dst + o->got, r->buf + r->start, n);
  r->start += n;
  o->got += n;
}

/* One step without I/O: 1 when done (*res set), 0 when more bytes are
 * needed. */
static int step(ac_reader_op_t *o, long *res) {
  ac_reader_t *r = o->r;
  size_t avail = r->end - r->start;
  if (o->op == OP_UNTIL) {
    size_t room = o->cap ? o->cap - 1 - o->got : 0; /* one for the NUL */
    size_t scan = avail < room ? avail : room;
    char *hit = memchr(r->buf + r->start, o->delim, scan);
    bool full = scan == room;
    bool must = hit || full || r->eof || r->err ||
                avail == r->cap; /* cannot hold more: copy now */
    if (!must)
      return 0;
    take(o, hit ? (size_t)(hit - (r->buf + r->start)) + 1 : scan);
    if (!hit && !full && !r->eof && !r->err)
      return 0; /* the buffer was full: go on past it */
    if (o->cap)
      ((char *)o->dst)[o->got] = '\0';
  } else {
    size_t want = o->cap - o->got;
    take(o, avail < want ? avail : want);
    if (o->got < o->cap && !r->eof && !r->err &&
        (o->op == OP_EXACT || o->got == 0))
      return 0;
  }
  if (o->got == 0 && r->err) {
    *res = r->err;
    r->err = 0;
  } else {
    *res = (long)o->got;
  }
  return 1;
}

ac_poll_t ac_reader_op_poll(ac_reader_op_t *o, ac_context_t *cx, long *out) {
  ac_reader_t *r = o->r;
  for (;;) {
    long res;
    if (!o->reading) {
      if (step(o, &res)) {
        if (out)
          *out = res;
        return AC_POLL_READY;
      }
      if (r->start == r->end)
        r->start = r->end = 0;
      else if (r->end == r->cap) { /* make room at the end */
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
      }
      o->io = ac_file_read(r->f, r->buf + r->end, r->cap - r->end);
      o->reading = 1;
    }
    long n;
    if (ac_file_io_poll(&o->io, cx, &n) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    o->reading = 0;
    if (n > 0)
      r->end += (size_t)n;
    else if (n == 0)
      r->eof = true;
    else
      r->err = (int)n;
  }
}

void ac_reader_op_drop(ac_reader_op_t *o) {
  if (o->reading)
    ac_file_io_drop(&o->io);
  o->reading = 0;
}

const ac_future_vtable_t ac_reader_op_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_reader_op_poll,
    (void (*)(void *))ac_reader_op_drop, sizeof(ac_reader_op_t),
    _Alignof(ac_reader_op_t), sizeof(long), "ac_reader_op"};

/* ==== writer ==== */

ac_writer_t *ac_writer_new(ac_file_t *f, size_t cap) {
  if (cap == 0)
    cap = DEFAULT_CAP;
  ac_writer_t *w = malloc(sizeof *w + cap);
  if (w) {
    w->f = f;
    w->len = 0;
    w->cap = cap;
  }
  return w;
}

void ac_writer_free(ac_writer_t *w) { free(w); }

size_t ac_writer_buffered(const ac_writer_t *w) { return w->len; }

ac_writer_op_t ac_writer_write_all(ac_writer_t *w, const void *src,
                                   size_t len) {
  ac_writer_op_t o;
  memset(&o, 0, sizeof o);
  o.w = w;
  o.src = src;
  o.len = len;
  return o;
}

ac_writer_op_t ac_writer_flush(ac_writer_t *w) {
  return ac_writer_write_all(w, NULL, 0);
}

/* The next write to issue, or 0 when done. */
static int next_write(ac_writer_op_t *o) {
  ac_writer_t *w = o->w;
  size_t left = o->len - o->done;
  if (left > 0 && left <= w->cap - w->len) { /* fits: buffer it */
    memcpy(w->buf + w->len, (const char *)o->src + o->done, left);
    w->len += left;
    o->done = o->len;
  }
  if (w->len > 0 && (o->done < o->len || o->len == 0)) {
    o->direct = 0; /* flush the buffer first */
    o->io = ac_file_write(w->f, w->buf, w->len);
    return 1;
  }
  if (o->done < o->len) { /* larger than the buffer: straight from src */
    o->direct = 1;
    o->io = ac_file_write(w->f, (const char *)o->src + o->done,
                          o->len - o->done);
    return 1;
  }
  return 0;
}

ac_poll_t ac_writer_op_poll(ac_writer_op_t *o, ac_context_t *cx, long *out) {
  ac_writer_t *w = o->w;
  for (;;) {
    if (!o->writing) {
      if (!next_write(o)) {
        if (out)
          *out = 0;
        return AC_POLL_READY;
      }
      o->writing = 1;
    }
    long n;
    if (ac_file_io_poll(&o->io, cx, &n) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    o->writing = 0;
    if (n <= 0) {
      if (out)
        *out = n < 0 ? n : -EIO; /* a write of 0 bytes makes no progress */
      return AC_POLL_READY;
    }
    if (o->direct) {
      o->done += (size_t)n;
    } else {
      memmove(w->buf, w->buf + n, w->len - (size_t)n);
      w->len -= (size_t)n;
    }
  }
}

void ac_writer_op_drop(ac_writer_op_t *o) {
  if (o->writing)
    ac_file_io_drop(&o->io);
  o->writing = 0;
}

const ac_future_vtable_t ac_writer_op_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_writer_op_poll,
    (void (*)(void *))ac_writer_op_drop, sizeof(ac_writer_op_t),
    _Alignof(ac_writer_op_t), sizeof(long), "ac_writer_op"};
