/*
 * main.c: the command line (placeholder until the CLI lands): prints the
 * version.
 */
#include "acc.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("acc %s\n", ACC_VERSION);
  return 0;
}
