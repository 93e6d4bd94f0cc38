/*
 * output.c: writing files so that nobody sees them half-written, and
 * finding the running binary.  A file is written to a temporary name in its
 * own folder (so the rename cannot cross file systems) and renamed over the
 * target: readers, make included, see the old file or the whole new one.
 * A temporary that a signal (^C, a killed make) would strand is removed by
 * the signal handler before the process dies of the signal.
 *
 * A target that is not a plain file is written into, never renamed over:
 * a symbolic link keeps pointing where it did (the file it names is
 * replaced), and a FIFO, a device (`-o /dev/null`, `-o /dev/stdout`) or
 * anything under /dev or /proc gets the finished text copied in, its
 * temporary kept in $TMPDIR.  Renaming over those would replace the node
 * itself (as root, /dev/null with a regular file).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
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

/* ==== where a temporary goes and how it is put in place ==== */

/* Written into rather than replaced: a FIFO, a device, a socket, or a
   name under /dev or /proc (/dev/stdout is a link to a descriptor). */
static bool written_into(const char *path) {
  if (!strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6))
    return true;
  struct stat st;
  return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* The name the temporary replaces: the file a symbolic link leads to (the
   link stays), else `path`.  A dangling link leads to the name it holds,
   which the rename creates, as open() would through the link. */
static char *replaced_name(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
    return xstrdup(path);
  char *real = realpath(path, NULL);
  if (real)
    return real;
  char to[PATH_MAX];
  ssize_t n = readlink(path, to, sizeof to - 1);
  if (n <= 0)
    return xstrdup(path);
  to[n] = '\0';
  const char *slash = strrchr(path, '/');
  if (to[0] == '/' || !slash)
    return xstrdup(to);
  return xformat("%.*s%s", (int)(slash - path + 1), path, to);
}

static void write_error(const char *path) {
  fprintf(stderr, "acc: error: cannot write '%s': %s\n", path,
          strerror(errno));
}

/* Copies the finished temporary into `path`, for targets written into. */
static int copy_into(const char *tmp, const char *path) {
  int in = open(tmp, O_RDONLY);
  int out = in < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  int rc = in < 0 || out < 0 ? -1 : 0;
  char buf[65536];
  ssize_t n = 0;
  while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    rc = n < 0 ? -1 : cli_write_all(out, buf, (size_t)n);
  }
  int saved = errno;
  if (out >= 0 && close(out) && rc == 0)
    rc = -1, saved = errno;
  if (in >= 0)
    close(in);
  errno = saved;
  return rc;
}

int cli_temp_place(char *tmp, const char *path) {
  int rc;
  if (written_into(path)) {
    rc = copy_into(tmp, path);
    if (rc == 0)
      unlink(tmp);
  } else {
    char *to = replaced_name(path);
    rc = rename(tmp, to);
    free(to);
  }
  if (rc) {
    write_error(path);
    unlink(tmp);
  }
  cli_keep(tmp);
  return rc ? -1 : 0;
}

static char *temp_name_beside(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return xformat(".%s.XXXXXX", path);
  return xformat("%.*s.%s.XXXXXX", (int)(slash - path + 1), path, slash + 1);
}

/* A temporary name beside `path`: `dir/.base.XXXXXX` (beside the file a
   link leads to; in $TMPDIR for a target written into). */
static char *cli_temp_beside(const char *path) {
  if (written_into(path)) {
    const char *dir = getenv("TMPDIR");
    return xformat("%s/.acc-out.XXXXXX", dir && *dir ? dir : "/tmp");
  }
  char *real = replaced_name(path);
  char *tmp = temp_name_beside(real);
  free(real);
  return tmp;
}

int cli_temp_open(const char *path, char **tmp) {
  *tmp = cli_temp_beside(path);
  int fd = mkstemp(*tmp);
  if (fd < 0) {
    write_error(path);
    return -1;
  }
  cli_remove_on_signal(*tmp);
  /* mkstemp makes the file 0600; give it the mode open() would have. */
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask)) {
    write_error(path);
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
  if (close(fd)) {
    write_error(path);
    cli_temp_drop(-1, tmp);
    return -1;
  }
  return cli_temp_place(tmp, path);
}

int cli_write_atomic(const char *path, const char *data, size_t len) {
  char *tmp;
  int fd = cli_temp_open(path, &tmp);
  if (fd < 0)
    return -1;
  if (cli_write_all(fd, data, len)) {
    write_error(path);
    cli_temp_drop(fd, tmp);
    return -1;
  }
  return cli_temp_commit(fd, tmp, path);
}
