/*
 * The hand-written epoll echo server of bench/echo_epoll.c as a program of
 * its own, for w6_load:   echo_epoll LISTEN_FD [CONNS]
 */
#include <stdio.h>
#include <stdlib.h>

void w6_serve_epoll(int listener, int conns);

int main(int argc, char **argv) {
  int fd = argc > 1 ? atoi(argv[1]) : 3;
  int conns = argc > 2 ? atoi(argv[2]) : 64;
  if (fd < 0 || conns <= 0) {
    fprintf(stderr, "usage: echo_epoll LISTEN_FD [CONNS]\n");
    return 2;
  }
  w6_serve_epoll(fd, conns);
  printf("W6 peer=epoll exec=current conns=%d check=ok\n", conns);
  return 0;
}
