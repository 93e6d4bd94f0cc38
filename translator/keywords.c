/*
 * keywords.c: where `async` and `await` are keywords.  They are contextual
 * (docs/language.md, "Contextual keywords"): everywhere else they are
 * ordinary identifiers, so headers such as libuv's uv.h, which name members
 * and parameters `async`, and plain code with a variable named `await`
 * keep their meaning.
 *
 * - `async` is the function specifier when the next token continues the
 *   declaration specifiers (a type keyword, a storage class, a qualifier, a
 *   typedef name, struct/union/enum, typeof, another `async`), looking past
 *   GNU attributes: `async int f(void)`, `static async T g(void)`.  Followed
 *   by anything else it is a name: `int async;`, `uv_async_t *async,`,
 *   `async(3)`, `x.async`.
 * - `await` is the operator only inside the body of an async function, and
 *   only where an operand follows (an identifier, a constant, a string,
 *   `(`, a prefix operator): `await f(x)`, `await *p`.  After `.` or `->`,
 *   or before `;`, `)`, `=`, `,`, `[` and the like, it is a name.  Outside
 *   async bodies it is always a name.
 *
 * The lexer asks for each of the two words; the parser says where async
 * bodies begin, and the lexer counts braces to see where they end.  The
 * offsets of the words taken as keywords are kept in Source.keywords: the
 * sync erasure blanks exactly those.
 */
#include "parse.h"

#include <string.h>

static struct {
  Source *src;
  int depth;       /* braces open */
  int async_depth; /* depth inside the outermost async body; 0 outside */
  bool armed;      /* an async body starts at the next '{' */
} kw;

void kw_begin(Source *src) {
  memset(&kw, 0, sizeof kw);
  kw.src = src;
  src->keywords.len = 0;
}

void kw_brace(char c) {
  if (c == '{') {
    kw.depth++;
    if (kw.armed && !kw.async_depth)
      kw.async_depth = kw.depth;
    kw.armed = false;
  } else {
    if (kw.async_depth && kw.depth == kw.async_depth)
      kw.async_depth = 0;
    if (kw.depth > 0)
      kw.depth--;
  }
}

void kw_function_body(bool is_async, bool brace_read) {
  if (!is_async || kw.async_depth)
    return;
  if (brace_read)
    kw.async_depth = kw.depth;
  else
    kw.armed = true;
}

bool kw_in_async_body(void) { return kw.async_depth > 0; }

static bool is_ident_start(char c) {
  return c == '_' || c == '$' || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

/* The offset of the next token at or after i: past white space, and past
   linemarker and #pragma lines (a '#' first on its line). */
static size_t next_token(size_t i) {
  const char *t = kw.src->text;
  size_t n = kw.src->len;
  for (;;) {
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' ||
                     t[i] == '\r' || t[i] == '\f' || t[i] == '\v'))
      i++;
    if (i >= n || t[i] != '#')
      return i;
    size_t b = i;
    while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
      b--;
    if (b > 0 && t[b - 1] != '\n')
      return i;
    while (i < n && t[i] != '\n')
      i++;
  }
}

static size_t word_end(size_t i) {
  while (i < kw.src->len && is_ident_char(kw.src->text[i]))
    i++;
  return i;
}

static bool word_is(size_t b, size_t e, const char *w) {
  return strlen(w) == e - b && !memcmp(kw.src->text + b, w, e - b);
}

/* Past `__attribute__((...))` at i, or i when there is none. */
static size_t skip_attribute(size_t i) {
  size_t e = word_end(i);
  if (!word_is(i, e, "__attribute__") && !word_is(i, e, "__attribute"))
    return i;
  size_t j = next_token(e);
  if (j >= kw.src->len || kw.src->text[j] != '(')
    return i;
  int depth = 0;
  const char *t = kw.src->text;
  for (; j < kw.src->len; j++) {
    if (t[j] == '"' || t[j] == '\'') { /* a string in an attribute */
      char q = t[j];
      for (j++; j < kw.src->len && t[j] != q; j++)
        j += t[j] == '\\';
      continue;
    }
    depth += (t[j] == '(') - (t[j] == ')');
    if (depth == 0)
      return next_token(j + 1);
  }
  return j;
}

/* Words that continue declaration specifiers. */
static bool is_specifier_word(size_t b, size_t e) {
  static const char *const words[] = {
      "auto", "char", "const", "__const", "__const__", "double", "enum",
      "extern", "float", "inline", "__inline", "__inline__", "int", "long",
      "register", "restrict", "__restrict", "__restrict__", "short",
      "signed", "__signed", "__signed__", "static", "struct", "typedef",
      "union", "unsigned", "void", "volatile", "__volatile", "__volatile__",
      "_Alignas", "_Atomic", "_Bool", "_Complex", "__complex__", "__complex",
      "_Imaginary", "_Noreturn", "_Thread_local", "__thread", "typeof",
      "__typeof", "__typeof__", "typeof_unqual", "__typeof_unqual__",
      "__int128", "__auto_type", "_Float16", "_Float32", "_Float64",
      "_Float128", "_Float32x", "_Float64x", "_Float128x", "__float128",
      "__fp16", "__bf16", "_Decimal32", "_Decimal64", "_Decimal128",
      "async", NULL};
  for (int i = 0; words[i]; i++)
    if (word_is(b, e, words[i]))
      return true;
  return scope_is_typedef(kw.src->text + b, e - b);
}

/* The token before offset `at` is `.` or `->`: the word is a member name. */
static bool after_member_access(size_t at) {
  const char *t = kw.src->text;
  size_t i = at;
  while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '\n'))
    i--;
  if (i >= 2 && t[i - 1] == '>' && t[i - 2] == '-')
    return true;
  return i >= 1 && t[i - 1] == '.' && !(i >= 2 && t[i - 2] == '.');
}

static bool keyword(size_t at) {
  vec_push(&kw.src->keywords, (void *)(intptr_t)at);
  return true;
}

bool kw_is_async(size_t begin, size_t end) {
  if (after_member_access(begin))
    return false;
  size_t i = next_token(end), j;
  while ((j = skip_attribute(i)) != i)
    i = j;
  if (i >= kw.src->len || !is_ident_start(kw.src->text[i]))
    return false;
  return is_specifier_word(i, word_end(i)) && keyword(begin);
}

/* Whether the token at i can begin the operand of a prefix operator. */
static bool starts_operand(size_t i) {
  const char *t = kw.src->text;
  if (i >= kw.src->len)
    return false;
  char c = t[i], d = i + 1 < kw.src->len ? t[i + 1] : 0;
  if (is_ident_char(c) || c == '"' || c == '\'' || c == '(' || c == '~')
    return true;
  if (c == '!' || c == '*')
    return d != '=';
  if (c == '.')
    return d >= '0' && d <= '9'; /* .5 */
  if (c == '&' || c == '+' || c == '-')
    return d != '=' && !(c == '-' && d == '>');
  return false;
}

bool kw_is_await(size_t begin, size_t end) {
  if (!kw.async_depth || after_member_access(begin))
    return false;
  return starts_operand(next_token(end)) && keyword(begin);
}
