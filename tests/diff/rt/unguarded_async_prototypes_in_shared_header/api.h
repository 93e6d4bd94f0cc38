/* Async prototypes without an #ifdef __ACC__ guard: acc writes this header
   out in place of its #include lines, with acc's own declarations. */
#ifndef API_H
#define API_H
async long twice(long n);
async void count(long *at, long n);
#endif
