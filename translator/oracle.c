#include "oracle.h"
struct Oracle { int x; };
Oracle *oracle_open(const Source *src, const char *const *args, int nargs) { return xalloc(sizeof(Oracle)); }
void oracle_close(Oracle *o) {}
char *erase_async(const char *text, size_t len) { return xstrndup(text, len); }
const char *oracle_expr_type(Oracle *o, size_t begin, size_t end) { return NULL; }
bool oracle_expr_is_void(Oracle *o, size_t begin, size_t end) { return false; }
bool oracle_decl_is_vm(Oracle *o, size_t name_off) { return false; }
bool oracle_future_info(Oracle *o, const char *type, const char **poll, const char **drop, const char **out_type) { return false; }
