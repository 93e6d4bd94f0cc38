/* ping is in main.ac, pong in pong.ac; each awaits the other. */
#ifndef SHARED_H
#define SHARED_H

#if defined(__ACC__) || defined(ACC_SYNC)
async long ping(int n);
async long pong(int n);
#endif

#endif
