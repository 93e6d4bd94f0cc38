/*
 * output.c: writing files so that nobody sees them half-written, and
 * finding the running binary.  A file is written to a temporary name in its
 * own folder (so the rename cannot cross file systems) and renamed over the
 * target: readers, make included, see the old file or the whole new one.
 * A temporary that a signal (^C, a killed make) would strand is removed by
 * the signal handler before the process dies of the signal.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cli_self_path(void) {
  static char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return "acc";
  buf[n] = '\0';
  return buf;
}

/* ==== temporaries removed on a signal ==== */

#define MAX_DOOMED 256
static const char *volatile doomed[MAX_DOOMED];
static volatile sig_atomic_t ndoomed;

/* Last registered first: files before the folders that hold them.  unlink
   and rmdir are async-signal-safe; the one that does not fit fails. */
static void on_signal(int sig) {
  for (int i = ndoomed - 1; i >= 0; i--) {
    if (doomed[i]) {
      unlink(doomed[i]);
      rmdir(doomed[i]);
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

/* A signal ignored when acc started (nohup, a background job) stays so. */
static void catch(int sig) {
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, &old) == 0 && old.sa_handler == SIG_IGN)
    sigaction(sig, &old, NULL);
}

void cli_remove_on_signal(const char *path) {
  if (ndoomed == 0) {
    catch(SIGINT);
    catch(SIGTERM);
    catch(SIGHUP);
  }
  if (ndoomed < MAX_DOOMED) {
    doomed[ndoomed] = path;
    ndoomed = ndoomed + 1;
  }
}

void cli_keep(const char *path) {
  for (int i = 0; i < ndoomed; i++)
    if (doomed[i] == path)
      doomed[i] = NULL;
}

/* ==== writing ==== */

int cli_write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* A temporary name beside `path`: `dir/.base.XXXXXX`. */
char *cli_temp_beside(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return xformat(".%s.XXXXXX", path);
  return xformat("%.*s.%s.XXXXXX", (int)(slash - path + 1), path, slash + 1);
}

int cli_temp_open(const char *path, char **tmp) {
  *tmp = cli_temp_beside(path);
  int fd = mkstemp(*tmp);
  if (fd < 0) {
    fprintf(stderr, "acc: error: cannot write '%s': %s\n", path,
            strerror(errno));
    return -1;
  }
  cli_remove_on_signal(*tmp);
  /* mkstemp makes the file 0600; give it the mode open() would have. */
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask)) {
    fprintf(stderr, "acc: error: cannot write '%s': %s\n", path,
            strerror(errno));
    cli_temp_drop(fd, *tmp);
    return -1;
  }
  return fd;
}

void cli_temp_drop(int fd, char *tmp) {
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  cli_keep(tmp);
}

int cli_temp_commit(int fd, char *tmp, const char *path) {
  if (close(fd) || rename(tmp, path)) {
    fprintf(stderr, "acc: error: cannot write '%s': %s\n", path,
            strerror(errno));
    cli_temp_drop(-1, tmp);
    return -1;
  }
  cli_keep(tmp);
  return 0;
}

int cli_write_atomic(const char *path, const char *data, size_t len) {
  char *tmp;
  int fd = cli_temp_open(path, &tmp);
  if (fd < 0)
    return -1;
  if (cli_write_all(fd, data, len)) {
    fprintf(stderr, "acc: error: cannot write '%s': %s\n", path,
            strerror(errno));
    cli_temp_drop(fd, tmp);
    return -1;
  }
  return cli_temp_commit(fd, tmp, path);
}
