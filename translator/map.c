/*
 * map.c: hash maps for the passes' indexes -- from a pointer (a Decl, a
 * Node) or from a string to a pointer -- so that looking a thing up costs
 * the same whatever the size of the translation unit.  Open addressing with
 * linear probing, at most half full; entries are never removed (the passes
 * build an index, then only read it).  Memory comes from xalloc, as
 * everything in the translator.
 */
#include "acc.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_ptr(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static size_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (size_t)h;
}

static size_t slot_of(const Map *m, const void *key) {
  size_t mask = m->cap - 1;
  size_t i = (m->strings ? hash_str(key) : hash_ptr(key)) & mask;
  while (m->keys[i] &&
         (m->strings ? strcmp(m->keys[i], key) != 0 : m->keys[i] != key))
    i = (i + 1) & mask;
  return i;
}

static void grow(Map *m) {
  Map old = *m;
  m->cap = old.cap ? old.cap * 2 : 16;
  m->keys = xalloc(sizeof(void *) * m->cap);
  m->vals = xalloc(sizeof(void *) * m->cap);
  for (size_t i = 0; i < old.cap; i++)
    if (old.keys[i]) {
      size_t j = slot_of(m, old.keys[i]);
      m->keys[j] = old.keys[i];
      m->vals[j] = old.vals[i];
    }
  free(old.keys);
  free(old.vals);
}

void *map_get(const Map *m, const void *key) {
  if (!m->len || !key)
    return NULL;
  size_t i = slot_of(m, key);
  return m->keys[i] ? m->vals[i] : NULL;
}

void map_put(Map *m, const void *key, void *val) {
  if (!key)
    return;
  if (2 * (m->len + 1) > m->cap)
    grow(m);
  size_t i = slot_of(m, key);
  if (!m->keys[i]) {
    m->keys[i] = key;
    m->len++;
  }
  m->vals[i] = val;
}

void map_free(Map *m) {
  free(m->keys);
  free(m->vals);
  *m = (Map){.strings = m->strings};
}
