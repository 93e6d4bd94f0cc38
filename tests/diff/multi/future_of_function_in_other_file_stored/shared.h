/* The async functions of parts.ac, as main.ac sees them.  acc and the
   erasure read the async prototypes; the C compiler reading acc's output
   gets acc's own declarations of the frames instead. */
#ifndef SHARED_H
#define SHARED_H

#if defined(__ACC__) || defined(ACC_SYNC)
async long remote_sum(long n);
async void remote_store(long *dst, long v);
#endif

#endif
