// The C++20 coroutine peer of the W1-W6 workloads (docs/benchmarks.md):
// lazy Task<T> coroutines with symmetric transfer, and a minimal
// single-thread executor (a FIFO of ready coroutines, a timer heap, an
// edge-triggered epoll for sockets).  No library beyond the standard one.
//
//   peer-cpp W [N [M]]     W: W1 W2a W2b W3 W4 W5 W6
//
// Prints one line in the format of the acc programs of bench/ac, e.g.
//   W1 peer=cpp exec=current tasks=N cpu_ns=X wall_ns=Y sum=S check=ok
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

double clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}
double cpu_ns() { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
double wall_ns() { return clock_ns(CLOCK_MONOTONIC); }

long rss_bytes() {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = 0;
  fclose(f);
  return rss * sysconf(_SC_PAGESIZE);
}
long peak_rss_bytes() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024L;
}

// ---- the executor: one thread, a FIFO ring of ready coroutines ----

struct Ring {
  std::vector<std::coroutine_handle<>> buf = std::vector<std::coroutine_handle<>>(1024);
  size_t head = 0, tail = 0; // tail - head items, indices mod size
  bool empty() const { return head == tail; }
  void push(std::coroutine_handle<> h) {
    if (tail - head == buf.size()) {
      std::vector<std::coroutine_handle<>> b(buf.size() * 2);
      for (size_t i = head; i != tail; i++)
        b[i - head] = buf[i & (buf.size() - 1)];
      tail -= head;
      head = 0;
      buf.swap(b);
    }
    buf[tail++ & (buf.size() - 1)] = h;
  }
  std::coroutine_handle<> pop() { return buf[head++ & (buf.size() - 1)]; }
};

struct Timer {
  double deadline;
  std::coroutine_handle<> h;
  bool operator>(const Timer &o) const { return deadline > o.deadline; }
};

struct Executor {
  Ring ready;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
  int ep = -1;
  int waiting_io = 0;

  void schedule(std::coroutine_handle<> h) { ready.push(h); }
  void run();
};
Executor ex;

// ---- Task<T>: lazy, awaited by one parent or joined once ----

template <class T> struct Task {
  struct promise_type {
    std::optional<T> value;
    std::coroutine_handle<> cont; // the awaiting parent or joiner
    bool done = false, detached = false;

    Task get_return_object() {
      return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        promise_type &p = h.promise();
        p.done = true;
        if (p.detached) {
          h.destroy();
          return std::noop_coroutine();
        }
        return p.cont ? p.cont : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_value(T v) { value.emplace(std::move(v)); }
    void unhandled_exception() { std::abort(); }
  };
  using Handle = std::coroutine_handle<promise_type>;
  Handle h;

  explicit Task(Handle h) : h(h) {}
  Task(Task &&o) noexcept : h(std::exchange(o.h, {})) {}
  Task(const Task &) = delete;
  ~Task() {
    if (h)
      h.destroy();
  }

  // Awaiting a Task runs it now, by symmetric transfer, and resumes the
  // parent when it returns.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    h.promise().cont = parent;
    return h;
  }
  T await_resume() { return std::move(*h.promise().value); }
};

// A spawned task: queued on the executor; join() awaits its output once.
template <class T> struct JoinHandle {
  typename Task<T>::Handle h;
  bool await_ready() const noexcept { return h.promise().done; }
  void await_suspend(std::coroutine_handle<> joiner) noexcept { h.promise().cont = joiner; }
  T await_resume() {
    T v = std::move(*h.promise().value);
    h.destroy();
    return v;
  }
};

template <class T> JoinHandle<T> spawn(Task<T> t) {
  auto h = std::exchange(t.h, {});
  ex.schedule(h);
  return JoinHandle<T>{h};
}
template <class T> void spawn_detached(Task<T> t) {
  auto h = std::exchange(t.h, {});
  h.promise().detached = true;
  ex.schedule(h);
}

// The joiner is resumed when the task ends (symmetric transfer from its
// final suspend): the task's completion wakes it without a queue trip.

struct Yield {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept { ex.schedule(h); }
  void await_resume() const noexcept {}
};

struct Sleep {
  double deadline;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { ex.timers.push({deadline, h}); }
  void await_resume() const noexcept {}
};
Sleep sleep_ms(long ms) { return Sleep{wall_ns() + double(ms) * 1e6}; }

// ---- a bounded channel for one thread ----

template <class T> class Channel {
  std::deque<T> buf;
  size_t cap;
  struct Sender {
    std::coroutine_handle<> h;
    T v;
  };
  std::deque<Sender *> senders;
  std::coroutine_handle<> receiver;
  std::optional<T> *handoff = nullptr;
  bool closed = false;

public:
  explicit Channel(size_t cap) : cap(cap) {}
  void close() {
    closed = true;
    if (receiver)
      ex.schedule(std::exchange(receiver, {}));
  }

  struct SendOp {
    Channel &c;
    Sender s;
    bool await_ready() {
      if (c.closed)
        return true;
      if (c.receiver) { // a parked receiver takes the value directly
        c.handoff->emplace(std::move(s.v));
        ex.schedule(std::exchange(c.receiver, {}));
        return true;
      }
      if (c.buf.size() < c.cap) {
        c.buf.push_back(std::move(s.v));
        return true;
      }
      return false;
    }
    void await_suspend(std::coroutine_handle<> h) {
      s.h = h;
      c.senders.push_back(&s);
    }
    bool await_resume() const { return !c.closed; }
  };
  SendOp send(T v) { return SendOp{*this, Sender{{}, std::move(v)}}; }

  struct RecvOp {
    Channel &c;
    std::optional<T> out;
    bool await_ready() {
      if (!c.buf.empty()) {
        out.emplace(std::move(c.buf.front()));
        c.buf.pop_front();
        if (!c.senders.empty()) { // the freed slot goes to the next sender
          Sender *s = c.senders.front();
          c.senders.pop_front();
          c.buf.push_back(std::move(s->v));
          ex.schedule(s->h);
        }
        return true;
      }
      return c.closed;
    }
    void await_suspend(std::coroutine_handle<> h) {
      c.receiver = h;
      c.handoff = &out;
    }
    std::optional<T> await_resume() { return std::move(out); }
  };
  RecvOp recv() { return RecvOp{*this, {}}; }
};

// ---- sockets: edge-triggered epoll; a short read means drained ----

struct Fd {
  int fd;
  bool readable = true, writable = true;
  std::coroutine_handle<> reader{}, writer{};
  explicit Fd(int fd) : fd(fd) {}
};

void fd_register(Fd *f) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = f;
  epoll_ctl(ex.ep, EPOLL_CTL_ADD, f->fd, &ev);
}

struct ReadReady {
  Fd *f;
  bool await_ready() const noexcept { return f->readable; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    f->reader = h;
    ex.waiting_io++;
  }
  void await_resume() const noexcept {}
};
struct WriteReady {
  Fd *f;
  bool await_ready() const noexcept { return f->writable; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    f->writer = h;
    ex.waiting_io++;
  }
  void await_resume() const noexcept {}
};

Task<long> async_read(Fd *f, char *buf, size_t len) {
  for (;;) {
    co_await ReadReady{f};
    ssize_t n = read(f->fd, buf, len);
    if (n >= 0) {
      if (size_t(n) < len)
        f->readable = false; // drained: the next read waits for an edge
      co_return long(n);
    }
    if (errno == EAGAIN) {
      f->readable = false;
      continue;
    }
    if (errno != EINTR)
      co_return -1;
  }
}

Task<long> async_write(Fd *f, const char *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    co_await WriteReady{f};
    ssize_t n = write(f->fd, buf + off, len - off);
    if (n >= 0)
      off += size_t(n);
    else if (errno == EAGAIN)
      f->writable = false;
    else if (errno != EINTR)
      co_return -1;
  }
  co_return long(off);
}

void Executor::run() {
  epoll_event evs[128];
  for (;;) {
    while (!ready.empty())
      ready.pop().resume();
    double now = wall_ns();
    while (!timers.empty() && timers.top().deadline <= now) {
      schedule(timers.top().h);
      timers.pop();
    }
    if (!ready.empty())
      continue;
    if (timers.empty() && waiting_io == 0)
      return;
    int ms = -1;
    if (!timers.empty())
      ms = int((timers.top().deadline - now) / 1e6) + 1;
    if (ep < 0) {
      timespec ts{ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&ts, nullptr);
      continue;
    }
    int n = epoll_wait(ep, evs, 128, ms);
    for (int i = 0; i < n; i++) {
      Fd *f = static_cast<Fd *>(evs[i].data.ptr);
      if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        f->readable = true;
        if (f->reader) {
          waiting_io--;
          schedule(std::exchange(f->reader, {}));
        }
      }
      if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        f->writable = true;
        if (f->writer) {
          waiting_io--;
          schedule(std::exchange(f->writer, {}));
        }
      }
    }
  }
}

// ---- the workloads ----

std::string result;
const char *verdict(bool ok) { return ok ? "ok" : "FAIL"; }

template <class... A> void say(const char *fmt, A... a) {
  char line[512];
  snprintf(line, sizeof line, fmt, a...);
  result = line;
}

Task<long> trivial(long i) { co_return i; }

Task<int> w1(long n) {
  std::vector<JoinHandle<long>> h;
  h.reserve(size_t(n));
  double c0 = cpu_ns(), w0 = wall_ns();
  for (long i = 0; i < n; i++)
    h.push_back(spawn(trivial(i)));
  long sum = 0;
  for (auto &j : h)
    sum += co_await j;
  double c1 = cpu_ns(), w1 = wall_ns();
  say("W1 peer=cpp exec=current tasks=%ld cpu_ns=%.2f wall_ns=%.2f sum=%ld check=%s", n,
      (c1 - c0) / double(n), (w1 - w0) / double(n), sum, verdict(sum == n * (n - 1) / 2));
  co_return 0;
}

Task<long> yielder(long n) {
  long done = 0;
  for (long i = 0; i < n; i++) {
    co_await Yield{};
    done++;
  }
  co_return done;
}

Task<int> w2(long tasks, long yields) {
  double c0 = cpu_ns(), w0 = wall_ns();
  long total = 0;
  if (tasks == 1) {
    for (long i = 0; i < yields; i++) {
      co_await Yield{};
      total++;
    }
  } else {
    std::vector<JoinHandle<long>> h;
    for (long t = 0; t < tasks; t++)
      h.push_back(spawn(yielder(yields)));
    for (auto &j : h)
      total += co_await j;
  }
  double c1 = cpu_ns(), w1 = wall_ns();
  double ops = double(tasks) * double(yields);
  say("%s peer=cpp exec=current tasks=%ld yields=%ld cpu_ns=%.3f wall_ns=%.3f total=%ld check=%s",
      tasks == 1 ? "W2a" : "W2b", tasks, yields, (c1 - c0) / ops, (w1 - w0) / ops, total,
      verdict(total == tasks * yields));
  co_return 0;
}

Task<long> pong(Channel<long> &rx, Channel<long> &tx) {
  long echoed = 0;
  for (;;) {
    std::optional<long> v = co_await rx.recv();
    if (!v || !co_await tx.send(*v))
      break;
    echoed++;
  }
  co_return echoed;
}

Task<int> w3(long trips) {
  Channel<long> a(1), b(1);
  JoinHandle<long> pt = spawn(pong(a, b));
  long bad = 0;
  double c0 = cpu_ns(), w0 = wall_ns();
  for (long i = 0; i < trips; i++) {
    if (!co_await a.send(i)) {
      bad++;
      continue;
    }
    std::optional<long> r = co_await b.recv();
    if (!r || *r != i)
      bad++;
  }
  double c1 = cpu_ns(), w1 = wall_ns();
  a.close();
  long echoed = co_await pt;
  say("W3 peer=cpp exec=current trips=%ld cpu_ns=%.2f wall_ns=%.2f echoed=%ld check=%s", trips,
      (c1 - c0) / double(trips), (w1 - w0) / double(trips), echoed,
      verdict(bad == 0 && echoed == trips));
  co_return 0;
}

long asleep, woke, woke_sum;

Task<int> sleeper(int x, long ms) {
  asleep++;
  co_await sleep_ms(ms);
  woke_sum += x;
  woke++;
  co_return 0;
}

Task<int> w4(long n, long ms) {
  long rss0 = rss_bytes();
  double w0 = wall_ns();
  for (long i = 0; i < n; i++)
    spawn_detached(sleeper(int(i), ms));
  while (asleep < n && wall_ns() - w0 < double(ms) * 1e6)
    co_await sleep_ms(10);
  long rss1 = rss_bytes();
  bool all_asleep = woke == 0 && asleep == n;
  while (woke < n && wall_ns() - w0 < (double(ms) + 10000) * 1e6)
    co_await sleep_ms(20);
  long peak = peak_rss_bytes();
  say("W4 peer=cpp exec=current tasks=%ld sleep_ms=%ld bytes_per_task=%.1f "
      "peak_bytes_per_task=%.1f woke=%ld sum=%ld check=%s",
      n, ms, double(rss1 - rss0) / double(n), double(peak - rss0) / double(n), woke, woke_sum,
      verdict(all_asleep && woke == n && woke_sum == n * (n - 1) / 2));
  co_return 0;
}

// W5: a chain of 10 coroutines, the leaf ready at once; each level's ramp is
// kept out of line, as the plain chain's calls are.
#define NOINLINE __attribute__((noinline))
NOINLINE Task<long> f0(long x) { co_return x + 1; }
NOINLINE Task<long> f1(long x) { co_return co_await f0(x) + 1; }
NOINLINE Task<long> f2(long x) { co_return co_await f1(x) + 1; }
NOINLINE Task<long> f3(long x) { co_return co_await f2(x) + 1; }
NOINLINE Task<long> f4(long x) { co_return co_await f3(x) + 1; }
NOINLINE Task<long> f5(long x) { co_return co_await f4(x) + 1; }
NOINLINE Task<long> f6(long x) { co_return co_await f5(x) + 1; }
NOINLINE Task<long> f7(long x) { co_return co_await f6(x) + 1; }
NOINLINE Task<long> f8(long x) { co_return co_await f7(x) + 1; }
NOINLINE Task<long> f9(long x) { co_return co_await f8(x) + 1; }

Task<long> drive(long n, long base) {
  long s = 0;
  for (long i = 0; i < n; i++)
    s += co_await f9(base + i);
  co_return s;
}

volatile long base_input = 3;

void w5(long n) {
  long base = base_input;
  Task<long> d = drive(n, base);
  double w0 = wall_ns();
  d.h.resume(); // the leaf is ready: one resume runs the whole loop
  double w1 = wall_ns();
  long sum = *d.h.promise().value, want = 0;
  for (long i = 0; i < n; i++)
    want += base + i + 10;
  say("W5 peer=cpp exec=none calls=%ld wall_ns=%.3f sum=%ld check=%s", n, (w1 - w0) / double(n),
      sum, verdict(d.h.promise().done && sum == want));
}

Task<int> conn(int fd) {
  Fd f{fd};
  fd_register(&f);
  char buf[4096];
  for (;;) {
    long n = co_await async_read(&f, buf, sizeof buf);
    if (n <= 0 || co_await async_write(&f, buf, size_t(n)) < 0)
      break;
  }
  close(fd);
  co_return 0;
}

Task<int> w6(int lfd, long conns) {
  fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
  Fd l{lfd};
  fd_register(&l);
  std::vector<JoinHandle<int>> h;
  while (long(h.size()) < conns) {
    co_await ReadReady{&l};
    int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
    if (c < 0) {
      l.readable = false;
      continue;
    }
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    h.push_back(spawn(conn(c)));
  }
  for (auto &j : h)
    co_await j;
  say("W6 peer=cpp exec=current conns=%ld check=ok", conns);
  co_return 0;
}

long arg(int argc, char **argv, int i, long def) {
  if (argc <= i)
    return def;
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (*end || v <= 0) {
    fprintf(stderr, "peer-cpp: argument %d: expected a positive count, got '%s'\n", i, argv[i]);
    exit(2);
  }
  return v;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: peer-cpp W1|W2a|W2b|W3|W4|W5|W6 [N [M]]\n");
    return 2;
  }
  std::string w = argv[1];
  if (w == "W5") {
    w5(arg(argc, argv, 2, 10000000));
  } else {
    std::optional<JoinHandle<int>> root;
    if (w == "W1")
      root = spawn(w1(arg(argc, argv, 2, 1000000)));
    else if (w == "W2a")
      root = spawn(w2(1, arg(argc, argv, 2, 10000000)));
    else if (w == "W2b")
      root = spawn(w2(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 10000)));
    else if (w == "W3")
      root = spawn(w3(arg(argc, argv, 2, 1000000)));
    else if (w == "W4")
      root = spawn(w4(arg(argc, argv, 2, 1000000), arg(argc, argv, 3, 2000)));
    else if (w == "W6") {
      ex.ep = epoll_create1(0);
      root = spawn(w6(int(arg(argc, argv, 2, 3)), arg(argc, argv, 3, 64)));
    } else {
      fprintf(stderr, "peer-cpp: unknown workload %s\n", argv[1]);
      return 2;
    }
    ex.run();
    if (!root->h.promise().done) {
      fprintf(stderr, "peer-cpp: %s did not finish\n", argv[1]);
      return 1;
    }
    root->h.destroy();
  }
  puts(result.c_str());
  return result.size() > 8 && result.compare(result.size() - 8, 8, "check=ok") == 0 ? 0 : 1;
}
