/* A static async function defined in a header that both .ac files of the
   program include: each translation unit gets its own copy, as with a
   static inline function.  acc writes this header out in place of its
   #include line, with scaled() translated; the C compiler never reads it
   as written.  It includes another header of its own folder. */
#ifndef SHARED_H
#define SHARED_H

#include "scale.h"

static async long scaled(long x) {
  long v = await leaf(x);
  return v * SCALE;
}

#if defined(__ACC__) || defined(ACC_SYNC)
async long from_parts(long n);
#endif

#endif
