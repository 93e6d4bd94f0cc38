/*
 * erase.c: the sync erasure of the preprocessed buffer.  Every `async` and
 * `await` the parser took as a keyword (Source.keywords, see keywords.c)
 * becomes five spaces, so the result has the same length and every byte
 * offset of the AST still points at the same token: the oracle parses the
 * erasure with libclang and answers questions by offset.  The same words
 * used as names (a member `async`, a variable `await`) stay.
 */
#include "oracle.h"

#include <string.h>

char *erase_async(const Source *src) {
  char *out = xstrndup(src->text, src->len);
  for (int i = 0; i < src->keywords.len; i++) {
    size_t at = (size_t)(intptr_t)src->keywords.items[i];
    if (at + 5 <= src->len)
      memset(out + at, ' ', 5);
  }
  return out;
}
