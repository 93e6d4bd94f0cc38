/* The plain C half of the acc cc test program. */
#include "util.h"

int triple(int x) { return 3 * x; }
