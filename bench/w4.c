/*
 * w4.c: W4, 1M tasks suspended in a 2 s sleep, each holding one int: the
 * resident memory per task, measured in a child process (so earlier runs
 * do not lend it freed memory) while every task is asleep.
 */
#include "bench.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { W4_TASKS = 1000000 };

/* async int sleeper(int x) { await ac_sleep_ms(2000); return x; } */
typedef struct sleeper {
  int state;
  int x;
  ac_sleep_t sleep;
} sleeper_t;
static ac_poll_t sleeper_poll(void *self, ac_context_t *cx, void *out) {
  sleeper_t *s = self;
  if (ac_sleep_poll(&s->sleep, cx, NULL) == AC_POLL_PENDING) {
    s->state = 1;
    return AC_POLL_PENDING;
  }
  s->state = 2;
  *(int *)out = s->x;
  return AC_POLL_READY;
}
static void sleeper_drop(void *self) {
  sleeper_t *s = self;
  ac_sleep_drop(&s->sleep);
}
static const ac_future_vtable_t sleeper_vtable = {
    sleeper_poll, sleeper_drop, sizeof(sleeper_t), _Alignof(sleeper_t),
    sizeof(int), "sleeper"};

/* main: spawn them all (detached), then wait 200 ms so each has polled and
 * registered its timer, and measure. */
typedef struct w4_main {
  int state;
  ac_sleep_t pause;
  long *rss1; /* the frame is moved into its task: report through this */
} w4_main_t;
static ac_poll_t w4_poll(void *self, ac_context_t *cx, void *out) {
  w4_main_t *m = self;
  (void)out;
  if (m->state == 0) {
    for (int i = 0; i < W4_TASKS; i++) {
      sleeper_t s = {0, i, ac_sleep_ms(2000)};
      ac_task_detach(ac_spawn_raw(&sleeper_vtable, &s));
    }
    m->pause = ac_sleep_ms(200);
    m->state = 1;
  }
  if (ac_sleep_poll(&m->pause, cx, NULL) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  *m->rss1 = bench_rss_bytes();
  return AC_POLL_READY;
}
static void w4_drop(void *self) { ac_sleep_drop(&((w4_main_t *)self)->pause); }
static const ac_future_vtable_t w4_vtable = {
    w4_poll, w4_drop, sizeof(w4_main_t), _Alignof(w4_main_t), 0, "w4"};

double w4_alloc_bytes(void) {
  return (double)(ac_task_header_size() + sizeof(sleeper_t));
}

/* Runs in a fresh process (main.c execs itself with --w4), so no freed
 * heap inherited from earlier workloads hides the growth. */
double w4_child(ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = bench_runtime(flavor);
  long rss0 = bench_rss_bytes(), rss1 = 0;
  w4_main_t m = {.rss1 = &rss1};
  bench_check(ac_runtime_block_on(rt, &w4_vtable, &m, NULL) == 0, "W4");
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  bench_check(st.timers == W4_TASKS, "W4: all asleep");
  bench_close(rt); /* drops them all: no timer may be left */
  return (double)(rss1 - rss0) / W4_TASKS;
}

double w4_sleep_bytes(ac_rt_flavor_t flavor) {
  int fd[2];
  bench_check(pipe(fd) == 0, "pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execl("/proc/self/exe", "acbench", "--w4",
          flavor == AC_RT_CURRENT_THREAD ? "current" : "multi", (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  char buf[64] = {0};
  ssize_t n = read(fd[0], buf, sizeof buf - 1);
  close(fd[0]);
  int st;
  waitpid(pid, &st, 0);
  bench_check(n > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "W4 child");
  return atof(buf);
}
