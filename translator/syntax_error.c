/*
 * syntax_error.c: the wording and position of a syntax error, in the form
 * C programmers know from gcc and clang:
 *
 *   f.ac:2:12: error: expected ';' before 'return'
 *   f.ac:5:14: error: expected expression before ';'
 *
 * The parser (grammar/parser.y) hands over what bison knows: the token it
 * could not use and the tokens it could have.  Bison's own "syntax error,
 * unexpected X, expecting Y" names grammar symbols; this names source text.
 */
#include "acc.h"
#include "parse.h"

#include <ctype.h>
#include <string.h>

/* A grammar symbol as a user reads it: bison names "';'" and "return";
   this gives ';' and 'return', and leaves identifier or end of file bare. */
static const char *symbol_text(const char *sym) {
  static const char *const words[] = {"identifier", "constant",
                                      "string literal", "typedef name",
                                      "end of file", NULL};
  if (sym[0] == '\'')
    return sym;
  for (int i = 0; words[i]; i++)
    if (!strcmp(sym, words[i]))
      return sym;
  return xformat("'%s'", sym);
}

/* The unexpected token as written, cut short: 'return', 'count', ';'. */
static const char *token_text(const Source *src, Span at, const char *sym) {
  if (!strcmp(sym, "end of file") || at.end <= at.begin ||
      at.begin >= src->len)
    return "end of file";
  size_t n = at.end - at.begin;
  if (n > 24)
    return symbol_text(sym);
  return xformat("'%s'", xstrndup(src->text + at.begin, n));
}

/* Whether the line holding offset i is a linemarker or #pragma line. */
static bool on_directive_line(const Source *src, size_t i) {
  size_t b = i;
  while (b > 0 && src->text[b - 1] != '\n')
    b--;
  while (b < i && (src->text[b] == ' ' || src->text[b] == '\t'))
    b++;
  return src->text[b] == '#';
}

/* The end of the token before offset `at`, skipping white space and the
   linemarkers of the preprocessed text. */
static size_t previous_token_end(const Source *src, size_t at) {
  size_t i = at;
  for (;;) {
    while (i > 0 && isspace((unsigned char)src->text[i - 1]))
      i--;
    if (i == 0 || !on_directive_line(src, i - 1))
      return i;
    while (i > 0 && src->text[i - 1] != '\n')
      i--;
  }
}


/* The token that ends at `end`: a word, or else one character (enough to
   tell a word from punctuation). */
static Span token_ending_at(const Source *src, size_t end) {
  size_t b = end;
  while (b > 0 && is_ident_char(src->text[b - 1]))
    b--;
  if (b == end && end > 0)
    b = end - 1;
  return (Span){b, end};
}

static bool span_is(const Source *src, Span t, const char *word) {
  size_t n = strlen(word);
  return t.end - t.begin == n && !memcmp(src->text + t.begin, word, n);
}

static bool is_word(const Source *src, Span t) {
  return t.end > t.begin && is_ident_char(src->text[t.begin]) &&
         !isdigit((unsigned char)src->text[t.begin]);
}

/* Words that may come before a type name at the start of a declaration. */
static bool is_decl_prefix(const Source *src, Span t) {
  static const char *const words[] = {"static", "extern", "const",
                                      "volatile", "register", "typedef",
                                      "auto", "_Thread_local", "inline",
                                      "async", NULL};
  for (int i = 0; words[i]; i++)
    if (span_is(src, t, words[i]))
      return true;
  return false;
}

/* `foo_t x`, where foo_t was never declared: a word where a statement or
   declaration starts, followed by the identifier the parser choked on; or
   the identifier itself, after `static` or `const`.  Returns the unknown
   name's span, or an empty span. */
static Span unknown_type_name(const Source *src, const SyntaxError *e) {
  Span none = {0, 0};
  if (strcmp(e->unexpected, "identifier") &&
      strcmp(e->unexpected, "typedef name"))
    return none;
  Span name = token_ending_at(src, previous_token_end(src, e->at.begin));
  if (is_decl_prefix(src, name))   /* `static foo_t x`: foo_t itself */
    return e->at;
  if (!is_word(src, name))
    return none;
  size_t before_end = previous_token_end(src, name.begin);
  if (before_end == 0)
    return name;
  Span before = token_ending_at(src, before_end);
  char c = src->text[before.begin];
  if ((before.end - before.begin == 1 && strchr(";{}", c)) ||
      is_decl_prefix(src, before))
    return name;
  return none;
}

static bool is_closer(const char *sym) {
  return !strcmp(sym, "';'") || !strcmp(sym, "')'") || !strcmp(sym, "']'") ||
         !strcmp(sym, "'}'");
}

/* "A", "A or B", "A, B or C". */
static const char *expected_list(const SyntaxError *e) {
  Str s = {0};
  for (int i = 0; i < e->nexpected; i++) {
    if (i > 0)
      str_printf(&s, i == e->nexpected - 1 ? " or " : ", ");
    str_printf(&s, "%s", symbol_text(e->expected[i]));
  }
  return str_cstr(&s);
}

/*
 * `async` and `await` read as names (keywords.c) where the user meant the
 * keywords: `return await f(1);` in a plain function, `int async f(void)`.
 * Returns true after reporting it in those words.
 */
static bool misplaced_keyword(const Source *src, const SyntaxError *e) {
  if (strcmp(e->unexpected, "identifier") &&
      strcmp(e->unexpected, "typedef name") &&
      strcmp(e->unexpected, "constant") &&
      strcmp(e->unexpected, "string literal"))
    return false;
  Span word = token_ending_at(src, previous_token_end(src, e->at.begin));
  if (span_is(src, word, "await") && !kw_in_async_body()) {
    error_at(word.begin, "'await' outside an async function");
    return true;
  }
  if (span_is(src, e->at, "async"))
    word = e->at; /* `static async f(void)`: no type before it */
  if (span_is(src, word, "async") && strcmp(e->unexpected, "constant") &&
      strcmp(e->unexpected, "string literal")) {
    error_at(word.begin, "'async' is read as a name here: as a function "
             "specifier it must be followed by the return type, as in "
             "'async int f(void)'");
    return true;
  }
  return false;
}

void syntax_error_report(Parser *p, const SyntaxError *e) {
  const Source *src = p->src;
  const char *found = token_text(src, e->at, e->unexpected);
  size_t at = e->at.begin;
  p->nerrs++;
  if (ast_nesting_exceeded() || misplaced_keyword(src, e))
    return;
  Span unknown = unknown_type_name(src, e);
  if (unknown.end > unknown.begin) {
    error_at(unknown.begin, "unknown type name '%s'",
             xstrndup(src->text + unknown.begin, unknown.end - unknown.begin));
    return;
  }
  if (!strcmp(e->unexpected, "end of file")) {
    error_at(previous_token_end(src, at), e->expects_rbrace
                                              ? "expected '}' at end of file"
                                              : "unexpected end of file");
    return;
  }
  if (e->expects_expression) {
    error_at(at, "expected expression before %s", found);
    return;
  }
  if (e->nexpected == 0 || e->nexpected > SYNTAX_ERROR_MAX_LISTED) {
    error_at(at, "unexpected %s", found);
    return;
  }
  /* A missing ';' or ')' belongs at the end of the line that lacks it,
     not at the next line's first token. */
  if (e->nexpected == 1 && is_closer(e->expected[0])) {
    size_t prev = previous_token_end(src, at);
    if (prev > 0 && memchr(src->text + prev, '\n', at - prev))
      at = prev;
  }
  error_at(at, "expected %s before %s", expected_list(e), found);
}
