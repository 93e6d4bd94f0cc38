/* The async functions of parts.ac, as main.ac sees them. */
#ifndef SHARED_H
#define SHARED_H

#if defined(__ACC__) || defined(ACC_SYNC)
async long far_sum(long n);
async long far_twice(long n);
async long far_apply(async long (*f)(long), long n);
#endif

#endif
