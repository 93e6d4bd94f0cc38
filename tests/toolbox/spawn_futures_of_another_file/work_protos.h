/* The async functions of work.ac, as other .ac files see them: only their
   prototypes (the C compiler never reads this part). */
#ifndef WORK_PROTOS_H
#define WORK_PROTOS_H
#ifdef __ACC__
async long square_later(long x, unsigned ms);
async void bump_later(int *counter, unsigned ms);
async long add(long, long);
#endif
#endif
