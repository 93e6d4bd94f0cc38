/*
 * test_emit_lines_stream.c: with a file, emit_lines (translator/
 * emit_lines.c) writes the C there as it is made, so the output is never
 * whole in memory: what it holds stays under a few pages however long
 * the output, the file gets exactly what the whole text would have been,
 * and a failed write is reported by emit_lines_end.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tokmap.h"

/* Generated code (scaffolding: it needs no file of the map) of n lines,
   with lines of one user line too, which join the line before them. */
static Str marked_text(int n) {
  Str s = {0};
  str_puts(&s, "\x03");
  for (int i = 0; i < n; i++)
    str_printf(&s, "int v%d = %d;\n%s", i, i, i % 7 ? "" : "\x03");
  return s;
}

static Str read_back(int fd) {
  Str s = {0};
  char buf[4096];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buf, sizeof buf)) > 0)
    str_add(&s, buf, (size_t)n);
  return s;
}

Test(emit_lines_stream, the_file_gets_the_output_as_it_is_made) {
  TokMap m = {0};
  Str text = marked_text(40000); /* about 700 KB */
  Str whole = {0};
  emit_lines(&text, &m, "out.c", false, &whole);
  cr_assert_gt(whole.len, 10 * 65536);

  char path[] = "/tmp/acc-emit-lines-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  Str held = {0}, piece = {0};
  LineWriter *L = emit_lines_start(&m, "out.c", false, fd, &held);
  size_t most = 0;
  for (size_t at = 0; at < text.len; at += 4000) {
    size_t n = text.len - at < 4000 ? text.len - at : 4000;
    str_add(&piece, text.buf + at, n);
    emit_lines_feed(L, &piece);
    most = held.len > most ? held.len : most;
  }
  cr_assert_eq(emit_lines_end(L, &piece), 0);
  cr_expect_lt(most, 65536 + 4096, "%zu bytes of output held at once", most);
  cr_expect_eq(held.len, 0, "%zu bytes left unwritten", held.len);
  Str file = read_back(fd);
  close(fd);
  cr_assert_eq(file.len, whole.len);
  cr_assert(!memcmp(file.buf, whole.buf, whole.len));
}

Test(emit_lines_stream, a_failed_write_is_reported) {
  TokMap m = {0};
  Str text = marked_text(20000), held = {0};
  int fd = open("/dev/null", O_RDONLY); /* write() fails with EBADF */
  cr_assert_geq(fd, 0);
  LineWriter *L = emit_lines_start(&m, "out.c", false, fd, &held);
  cr_expect_eq(emit_lines_end(L, &text), EBADF);
  close(fd);
}
