/*
 * test_file_bufio.c: ac_file_t over a regular file (the pool) and over a
 * pipe (the reactor), ac_file_open, the buffered reader's read_line /
 * read_until / read_exact and the writer's write_all / flush, on both
 * executors; a dropped pool read leaves nothing behind.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* block_on one future with a long-sized (or smaller) output. */
static long run(ac_runtime_t *rt, const ac_future_vtable_t *vt, void *fut) {
  t_await_t a = {vt, fut};
  long buf[8] = {0};
  cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
  if (vt->out_size == sizeof(int)) {
    int v;
    memcpy(&v, buf, sizeof v);
    return v;
  }
  return buf[0];
}

static char *temp_path(void) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/acrt-file-%d-XXXXXX", (int)getpid());
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  return path;
}

Test(file, write_then_read_a_regular_file_through_the_pool) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    char *path = temp_path();
    ac_file_t *w, *r;
    ac_file_open_t o = ac_file_open(path, O_WRONLY | O_TRUNC, 0, &w);
    cr_assert_eq(run(rt, &ac_file_open_vtable, &o), 0);
    cr_assert_null(ac_file_reactor_fd(w), "a regular file goes to the pool");
    ac_file_io_t io = ac_file_write(w, "hello, file\n", 12);
    cr_assert_eq(run(rt, &ac_file_io_vtable, &io), 12);
    cr_assert_eq(ac_file_close(w), 0);
    o = ac_file_open(path, O_RDONLY, 0, &r);
    cr_assert_eq(run(rt, &ac_file_open_vtable, &o), 0);
    char buf[32] = {0};
    io = ac_file_read(r, buf, sizeof buf);
    cr_assert_eq(run(rt, &ac_file_io_vtable, &io), 12);
    cr_assert_str_eq(buf, "hello, file\n");
    io = ac_file_read(r, buf, sizeof buf);
    cr_assert_eq(run(rt, &ac_file_io_vtable, &io), 0, "end of file");
    cr_assert_eq(ac_file_close(r), 0);
    o = ac_file_open("/nonexistent/acrt", O_RDONLY, 0, &r);
    cr_assert_eq(run(rt, &ac_file_open_vtable, &o), -ENOENT);
    unlink(path);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(file, a_pipe_goes_through_the_reactor) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_file_t *r;
  cr_assert_eq(ac_file_wrap(p[0], 1, &r), 0);
  cr_assert_not_null(ac_file_reactor_fd(r));
  cr_assert(fcntl(p[0], F_GETFL) & O_NONBLOCK);
  ac_file_t *in;
  cr_assert_eq(ac_file_wrap(STDIN_FILENO, 0, &in), 0);
  cr_assert_null(ac_file_reactor_fd(in), "stdin is shared: the pool");
  cr_assert_eq(ac_file_close(in), 0);
  cr_assert(fcntl(STDIN_FILENO, F_GETFD) >= 0, "not owned: still open");
  cr_assert_eq(ac_file_close(r), 0);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* A pool read dropped while its call is blocked: the call finishes later
 * into the job's own buffer; the caller's buffer is untouched. */
Test(file, dropped_pool_read_leaves_the_callers_buffer_alone) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    int rfd = dup(p[0]);
    ac_file_t *r;
    /* fd 0-2 go to the pool; so does a dup2 of the pipe onto stdin. */
    int saved = dup(STDIN_FILENO);
    dup2(rfd, STDIN_FILENO);
    cr_assert_eq(ac_file_wrap(STDIN_FILENO, 0, &r), 0);
    char buf[8] = "xxxxxxx";
    ac_file_io_t io = ac_file_read(r, buf, 4);
    ac_timeout_t to = ac_timeout(&ac_file_io_vtable, &io, NULL, 10);
    cr_assert_eq(run(rt, &ac_timeout_vtable, &to), AC_ETIMEDOUT);
    cr_assert_eq(write(p[1], "data", 4), 4); /* the orphaned call returns */
    usleep(20000);
    cr_assert_str_eq(buf, "xxxxxxx");
    cr_assert_eq(ac_file_close(r), 0);
    dup2(saved, STDIN_FILENO);
    close(saved);
    close(rfd);
    close(p[0]);
    close(p[1]);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

/* ==== the buffered reader and writer ==== */

static void *feed_slowly(void *arg) {
  int fd = *(int *)arg;
  const char *parts[] = {"first li", "ne\nsecond",
                         " line\nno newline at the end"};
  for (int i = 0; i < 3; i++) {
    usleep(3000);
    if (write(fd, parts[i], strlen(parts[i])) < 0)
      break;
  }
  close(fd);
  return NULL;
}

Test(bufio, read_line_joins_pieces_and_ends_with_the_partial_line) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_file_t *file;
    cr_assert_eq(ac_file_wrap(p[0], 1, &file), 0);
    ac_reader_t *r = ac_reader_new(file, 16);
    pthread_t th;
    pthread_create(&th, NULL, feed_slowly, &p[1]);
    char line[64];
    ac_reader_op_t op = ac_reader_read_line(r, line, sizeof line);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 11);
    cr_assert_str_eq(line, "first line\n");
    op = ac_reader_read_line(r, line, sizeof line);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 12);
    cr_assert_str_eq(line, "second line\n");
    op = ac_reader_read_line(r, line, 8); /* longer than 7: in pieces */
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 7);
    cr_assert_str_eq(line, "no newl");
    op = ac_reader_read_line(r, line, sizeof line);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 14);
    cr_assert_str_eq(line, "ine at the end", "got '%s'", line);
    op = ac_reader_read_line(r, line, sizeof line);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 0, "end of file");
    pthread_join(th, NULL);
    ac_reader_free(r);
    cr_assert_eq(ac_file_close(file), 0);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(bufio, read_exact_and_read_until_on_a_file) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    char *path = temp_path();
    FILE *fp = fopen(path, "w");
    fputs("key=value;HEADERbody bytes", fp);
    fclose(fp);
    ac_file_t *file;
    ac_file_open_t o = ac_file_open(path, O_RDONLY, 0, &file);
    cr_assert_eq(run(rt, &ac_file_open_vtable, &o), 0);
    ac_reader_t *r = ac_reader_new(file, 0);
    char buf[64] = {0};
    ac_reader_op_t op = ac_reader_read_until(r, ';', buf, sizeof buf);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 10);
    cr_assert_str_eq(buf, "key=value;");
    memset(buf, 0, sizeof buf);
    op = ac_reader_read_exact(r, buf, 6);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 6);
    cr_assert_str_eq(buf, "HEADER");
    op = ac_reader_read_exact(r, buf, 20);
    cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 10, "short at the end");
    cr_assert_eq(memcmp(buf, "body bytes", 10), 0);
    ac_reader_free(r);
    cr_assert_eq(ac_file_close(file), 0);
    unlink(path);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(bufio, read_line_dropped_before_its_newline_consumes_nothing) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_file_t *file;
  cr_assert_eq(ac_file_wrap(p[0], 1, &file), 0);
  ac_reader_t *r = ac_reader_new(file, 64);
  cr_assert_eq(write(p[1], "half a ", 7), 7);
  char line[64];
  ac_reader_op_t op = ac_reader_read_line(r, line, sizeof line);
  ac_timeout_t to = ac_timeout(&ac_reader_op_vtable, &op, NULL, 10);
  cr_assert_eq(run(rt, &ac_timeout_vtable, &to), AC_ETIMEDOUT);
  cr_assert_eq(write(p[1], "line\n", 5), 5);
  op = ac_reader_read_line(r, line, sizeof line);
  cr_assert_eq(run(rt, &ac_reader_op_vtable, &op), 12);
  cr_assert_str_eq(line, "half a line\n");
  ac_reader_free(r);
  ac_file_close(file);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(bufio, writer_gathers_small_writes_until_flush) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_file_t *file;
    cr_assert_eq(ac_file_wrap(p[1], 1, &file), 0);
    ac_writer_t *w = ac_writer_new(file, 16);
    ac_writer_op_t op = ac_writer_write_all(w, "abc", 3);
    cr_assert_eq(run(rt, &ac_writer_op_vtable, &op), 0);
    op = ac_writer_write_all(w, "defgh", 5);
    cr_assert_eq(run(rt, &ac_writer_op_vtable, &op), 0);
    cr_assert_eq(ac_writer_buffered(w), 8, "nothing written yet");
    char big[40];
    memset(big, 'Z', sizeof big);
    op = ac_writer_write_all(w, big, sizeof big); /* larger than the buffer */
    cr_assert_eq(run(rt, &ac_writer_op_vtable, &op), 0);
    op = ac_writer_write_all(w, "!", 1);
    cr_assert_eq(run(rt, &ac_writer_op_vtable, &op), 0);
    op = ac_writer_flush(w);
    cr_assert_eq(run(rt, &ac_writer_op_vtable, &op), 0);
    cr_assert_eq(ac_writer_buffered(w), 0);
    char got[64] = {0};
    cr_assert_eq(read(p[0], got, sizeof got), 49);
    cr_assert_eq(memcmp(got, "abcdefghZZZZ", 12), 0);
    cr_assert_eq(got[48], '!');
    ac_writer_free(w);
    cr_assert_eq(ac_file_close(file), 0);
    close(p[0]);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}
