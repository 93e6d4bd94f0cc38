/*
 * net.c: TCP by host name and port.  ac_tcp_connect resolves the name on
 * the blocking pool (getaddrinfo blocks: DNS, /etc/hosts, NSS modules),
 * then tries each address in turn on the reactor until one connects.
 * ac_tcp_listen binds and listens at once (a numeric address does not
 * block).
 */
#include "internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* getaddrinfo's EAI_* codes as -errno. */
static long eai_errno(int rc, int saved) {
  switch (rc) {
  case EAI_NONAME:
#ifdef EAI_NODATA
  case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
  case EAI_ADDRFAMILY:
#endif
    return -EHOSTUNREACH;
  case EAI_AGAIN:
    return -EAGAIN;
  case EAI_MEMORY:
    return -ENOMEM;
  case EAI_SYSTEM:
    return saved ? -saved : -EIO;
  default:
    return -EINVAL;
  }
}

typedef struct lookup {
  struct addrinfo *res;
  char port[8];
  char host[];
} lookup_t;

static long run_lookup(void *arg) {
  lookup_t *l = arg;
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV};
  int rc = getaddrinfo(l->host, l->port, &hints, &l->res);
  return rc ? eai_errno(rc, errno) : 0;
}

static void release_lookup(void *arg) {
  lookup_t *l = arg;
  if (l->res)
    freeaddrinfo(l->res);
  free(l);
}

ac_tcp_connect_t ac_tcp_connect(const char *host, uint16_t port) {
  ac_tcp_connect_t c;
  memset(&c, 0, sizeof c);
  c.host = host;
  c.port = port;
  c.fd = -1;
  return c;
}

enum { C_NEW, C_LOOKUP, C_CONNECT, C_DONE };

/* Starts connecting to the next address: 0, or -errno for this one. */
static long try_next(ac_tcp_connect_t *c) {
  struct addrinfo *ai = c->next;
  c->next = ai->ai_next;
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  ai->ai_protocol);
  if (fd < 0)
    return -errno;
  int rc = ac_fd_open(fd, &c->f);
  if (rc != 0) {
    close(fd);
    return rc;
  }
  c->fd = fd;
  c->io = ac_connect(c->f, ai->ai_addr, (uint32_t)ai->ai_addrlen);
  return 0;
}

static void give_up_socket(ac_tcp_connect_t *c) {
  if (c->f) {
    ac_fd_close(c->f, 1);
    c->f = NULL;
    c->fd = -1;
  }
}

static ac_poll_t finish(ac_tcp_connect_t *c, long res, long *out) {
  if (c->lookup) {
    release_lookup(c->lookup);
    c->lookup = NULL;
  }
  c->state = C_DONE;
  if (out)
    *out = res;
  return AC_POLL_READY;
}

ac_poll_t ac_tcp_connect_poll(ac_tcp_connect_t *c, ac_context_t *cx,
                              long *out) {
  long r;
  if (c->state == C_NEW) {
    size_t n = c->host ? strlen(c->host) + 1 : 1;
    lookup_t *l = calloc(1, sizeof *l + n);
    if (!l)
      return finish(c, -ENOMEM, out);
    memcpy(l->host, c->host ? c->host : "", n);
    snprintf(l->port, sizeof l->port, "%u", (unsigned)c->port);
    c->lookup = l;
    c->call = ac_spawn_blocking_owned(run_lookup, l, release_lookup);
    c->state = C_LOOKUP;
  }
  if (c->state == C_LOOKUP) {
    if (ac_blocking_poll(&c->call, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    if (r != 0)
      return finish(c, r, out);
    c->next = ((lookup_t *)c->lookup)->res;
    c->state = C_CONNECT;
    c->err = -EHOSTUNREACH;
    c->f = NULL;
  }
  for (;;) {
    if (!c->f) {
      if (!c->next)
        return finish(c, c->err, out);
      long rc = try_next(c);
      if (rc != 0) {
        c->err = rc;
        continue;
      }
    }
    if (ac_io_poll(&c->io, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    if (r == 0) { /* connected: the fd is the caller's, unregistered */
      int fd = c->fd;
      ac_fd_close(c->f, 0);
      c->f = NULL;
      return finish(c, fd, out);
    }
    c->err = r;
    give_up_socket(c);
  }
}

void ac_tcp_connect_drop(ac_tcp_connect_t *c) {
  if (c->state == C_LOOKUP)
    ac_blocking_drop(&c->call); /* frees the lookup when the call returns */
  else if (c->state == C_CONNECT) {
    if (c->f)
      ac_io_drop(&c->io);
    give_up_socket(c);
    if (c->lookup)
      release_lookup(c->lookup);
  }
  c->lookup = NULL;
  c->state = C_DONE;
}

const ac_future_vtable_t ac_tcp_connect_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_tcp_connect_poll,
    (void (*)(void *))ac_tcp_connect_drop, sizeof(ac_tcp_connect_t),
    _Alignof(ac_tcp_connect_t), sizeof(long), "ac_tcp_connect"};

/* ==== listen ==== */

int ac_tcp_listen(const char *addr, uint16_t port, int backlog,
                  ac_fd_t **out) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICHOST |
                                       AI_NUMERICSERV};
  char ps[8];
  snprintf(ps, sizeof ps, "%u", (unsigned)port);
  struct addrinfo *res;
  int rc = getaddrinfo(addr, ps, &hints, &res);
  if (rc)
    return (int)eai_errno(rc, errno);
  /* With no address, prefer the IPv6 wildcard (it takes IPv4 too). */
  struct addrinfo *ai = res;
  for (struct addrinfo *p = res; !addr && p; p = p->ai_next)
    if (p->ai_family == AF_INET6)
      ai = p;
  int err = 0, fd = -1;
  for (int tries = 0; tries < 2 && fd < 0; tries++, ai = res) {
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, zero = 0;
    if (fd >= 0) {
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (ai->ai_family == AF_INET6 && !addr)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
      err = -errno;
      if (fd >= 0)
        close(fd);
      fd = -1; /* an IPv6 wildcard on a host without IPv6: try the first */
    }
  }
  freeaddrinfo(res);
  if (fd < 0)
    return err;
  rc = ac_fd_open(fd, out);
  if (rc != 0)
    close(fd);
  return rc;
}

int ac_tcp_local_port(const ac_fd_t *f) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(ac_fd_get(f), (struct sockaddr *)&ss, &len) != 0)
    return -errno;
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -EAFNOSUPPORT;
}
