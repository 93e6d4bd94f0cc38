/* failalloc.h: what a test program can ask failalloc.c (see there). */
#ifndef FAILALLOC_H
#define FAILALLOC_H
/* Nonzero: every wrapped allocation (and thread creation) fails. */
void fault_fail_all(int on);
/* Wrapped calls made so far. */
long fault_calls(void);
#endif
