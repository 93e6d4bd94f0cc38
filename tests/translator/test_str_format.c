/*
 * test_str_format.c: str_printf (translator/util.c) formats the common
 * conversions itself, for speed, and leaves the others to vsnprintf; either
 * way it must append exactly what snprintf writes for the same format.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acc.h"

/* Appends to a Str that already holds text, and compares with snprintf. */
#define EXPECT_AS_SNPRINTF(...)                                            \
  do {                                                                     \
    char want[4096];                                                       \
    int n = snprintf(want, sizeof want, __VA_ARGS__);                      \
    Str s = {0};                                                           \
    str_puts(&s, "kept ");                                                 \
    str_printf(&s, __VA_ARGS__);                                           \
    cr_expect_eq(s.len, 5 + (size_t)n, "length %zu for '%s'", s.len, want); \
    cr_expect_str_eq(s.buf + 5, want);                                     \
    cr_expect_eq(strncmp(s.buf, "kept ", 5), 0);                           \
  } while (0)

Test(str_format, common_conversions_match_snprintf) {
  EXPECT_AS_SNPRINTF("%s = %d;", "x", 42);
  EXPECT_AS_SNPRINTF("%d %d %d", 0, INT_MIN, INT_MAX);
  EXPECT_AS_SNPRINTF("%ld %ld", LONG_MIN, LONG_MAX);
  EXPECT_AS_SNPRINTF("%lld %llu", LLONG_MIN, ULLONG_MAX);
  EXPECT_AS_SNPRINTF("%u %zu", UINT_MAX, SIZE_MAX);
  EXPECT_AS_SNPRINTF("%c%c%%%s", 'a', '"', "");
  EXPECT_AS_SNPRINTF("[%.*s] [%.*s] [%.*s]", 3, "abcdef", 0, "abc", -1,
                     "all of it");
  EXPECT_AS_SNPRINTF("%.*s|", 10, "short");
  EXPECT_AS_SNPRINTF("[%*s] [%*s] [%*s] [%*s]", 4, "", 6, "ab", -5, "cd", 1,
                     "longer");
  EXPECT_AS_SNPRINTF("no conversion at all");
  EXPECT_AS_SNPRINTF("%s", "");
}

Test(str_format, other_conversions_and_null_strings_go_to_vsnprintf) {
  const char *volatile none = NULL; /* no -Wformat-overflow about it */
  EXPECT_AS_SNPRINTF("%5d|%-6s|%#llx|%04x", 7, "ab", 255ULL, 10u);
  EXPECT_AS_SNPRINTF("%s then %.1f", "fast part", 2.5);
  EXPECT_AS_SNPRINTF("a %s b %d", none, 3);
  EXPECT_AS_SNPRINTF("%03o %02x %+d", 8u, 255u, 7);
}

Test(str_format, long_output_grows_the_string) {
  char big[3000];
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  EXPECT_AS_SNPRINTF("<%s>%d<%.*s>", big, 12345, 100, big);
}
