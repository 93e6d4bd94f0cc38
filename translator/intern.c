/*
 * intern.c: one copy of each name the parser keeps.  The lexer hands the
 * parser every identifier and the nodes keep the names and operators
 * they spell; a copy of each (a malloc'd chunk of 32 bytes or more) was
 * about 14 MB for 8,000 async functions, for a few thousand different
 * strings.  The copies live as long as the translation.
 */
#include "parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char **slots; /* open addressing; NULL = free */
static size_t cap, used;

static size_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return (size_t)h;
}

static size_t slot_of(const char *s, size_t n) {
  size_t mask = cap - 1;
  for (size_t i = hash(s, n) & mask;; i = (i + 1) & mask)
    if (!slots[i] || (!strncmp(slots[i], s, n) && !slots[i][n]))
      return i;
}

static void grow(void) {
  const char **old = slots;
  size_t oldcap = cap;
  cap = cap ? cap * 2 : 4096;
  slots = xalloc(cap * sizeof *slots);
  for (size_t i = 0; i < oldcap; i++)
    if (old[i])
      slots[slot_of(old[i], strlen(old[i]))] = old[i];
  free(old);
}

const char *intern(const char *s, size_t n) {
  if (2 * (used + 1) > cap)
    grow();
  size_t i = slot_of(s, n);
  if (!slots[i]) {
    slots[i] = xstrndup(s, n);
    used++;
  }
  return slots[i];
}
