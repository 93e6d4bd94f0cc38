/* The async functions of parts.ac, as main.ac sees them. */
#ifndef SHARED_H
#define SHARED_H

#if defined(__ACC__) || defined(ACC_SYNC)
async long far_sum(long n);
async void far_store(long *dst, long v);
async long far_never(void);
#endif

#endif
