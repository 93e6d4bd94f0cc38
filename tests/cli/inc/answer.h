/* Included by flags.ac through -I inc. */
#ifndef ANSWER
#define ANSWER 0
#endif
