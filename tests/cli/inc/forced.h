/* Read first through -include forced.h. */
#define ANSWER 99
