#define MACROS 6
