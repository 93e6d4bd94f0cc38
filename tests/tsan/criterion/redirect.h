/* Stand-in for <criterion/redirect.h>: see criterion.h here. */
#include "criterion.h"
