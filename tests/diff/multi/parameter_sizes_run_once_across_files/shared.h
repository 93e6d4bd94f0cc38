/* sized() of parts.ac, as main.ac sees it, and the counter of the size
   expression in its parameter. */
#ifndef SHARED_H
#define SHARED_H

extern int calls;
static inline int count(int v) {
  calls++;
  return v;
}

#if defined(__ACC__) || defined(ACC_SYNC)
async long sized(int n, long a[n][count(3)]);
#endif

#endif
