#include "sema.h"
int sema_check(Node *tu, Oracle *o) { return 0; }
