#ifndef WORK_H
#define WORK_H
extern long results[12];
#if defined(__ACC__) || defined(ACC_SYNC)
async long scaled(long n);
async void mark(long n);
#endif
#endif
