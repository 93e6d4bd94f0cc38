/*
 * erase.c: the sync erasure of a preprocessed buffer.  Every `async` and
 * `await` keyword becomes as many spaces, so the result has the same length
 * and every byte offset of the AST still points at the same token: the
 * oracle parses the erasure with libclang and answers questions by offset.
 * Linemarker lines, string and character literals are copied untouched,
 * and only whole identifiers are erased (`awaited` stays).
 */
#include "oracle.h"

#include <string.h>


/* Skips a quoted literal starting at text[i]; returns the index after it. */
static size_t skip_literal(const char *text, size_t len, size_t i) {
  char q = text[i++];
  while (i < len && text[i] != q && text[i] != '\n')
    i += text[i] == '\\' ? 2 : 1;
  return i < len ? i + 1 : len;
}

static size_t skip_line(const char *text, size_t len, size_t i) {
  while (i < len && text[i] != '\n')
    i++;
  return i;
}

char *erase_async(const char *text, size_t len) {
  char *out = xstrndup(text, len);
  bool line_start = true;
  size_t i = 0;
  while (i < len) {
    char c = text[i];
    if (line_start && c == '#') {
      i = skip_line(text, len, i);
      continue;
    }
    if (c == '\n' || c == ' ' || c == '\t') {
      line_start = c == '\n' || line_start;
      i++;
      continue;
    }
    line_start = false;
    if (c == '"' || c == '\'') {
      i = skip_literal(text, len, i);
    } else if (is_ident_char(c)) {
      size_t start = i;
      while (i < len && is_ident_char(text[i]))
        i++;
      if (i - start == 5 && (!memcmp(text + start, "async", 5) ||
                             !memcmp(text + start, "await", 5)))
        memset(out + start, ' ', 5);
    } else {
      i++;
    }
  }
  return out;
}
