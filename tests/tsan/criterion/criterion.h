/*
 * A stand-in for the part of <criterion/criterion.h> our tests use, for the
 * ThreadSanitizer build only: Criterion 2.4 cannot start under TSan (its
 * inheritable arena needs a fixed mapping that TSan's shadow memory takes;
 * Snaipe/Criterion#274).  runner.c runs each registered test in a child
 * process and prints Criterion's synthesis line.  Both the runtime's and the
 * translator's test files build against it unchanged.
 */
#ifndef AC_TSAN_CRITERION_SHIM_H
#define AC_TSAN_CRITERION_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The .init/.fini options of Test() and TestSuite(). */
struct t__opts {
  void (*init)(void);
  void (*fini)(void);
};

void t__register(const char *suite, const char *name, void (*fn)(void),
                 const struct t__opts *opts);
void t__suite(const char *suite, const struct t__opts *opts);
__attribute__((noreturn, format(printf, 4, 5))) void
t__fail(const char *file, int line, const char *expr, const char *fmt, ...);
__attribute__((format(printf, 4, 5))) void
t__expect_fail(const char *file, int line, const char *expr, const char *fmt,
               ...);
int t__stderr_is(const char *want);
void cr_redirect_stderr(void);

#define Test(suite, name, ...)                                                 \
  static void suite##_##name##_impl(void);                                     \
  static const struct t__opts suite##_##name##_opts = {__VA_ARGS__};           \
  __attribute__((constructor)) static void suite##_##name##_reg(void) {        \
    t__register(#suite, #name, suite##_##name##_impl, &suite##_##name##_opts); \
  }                                                                            \
  static void suite##_##name##_impl(void)

#define TestSuite(suite, ...)                                                  \
  static const struct t__opts suite##_suite_opts = {__VA_ARGS__};              \
  __attribute__((constructor)) static void suite##_suite_reg(void) {           \
    t__suite(#suite, &suite##_suite_opts);                                     \
  }

#define cr_assert(cond, ...)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      t__fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                      \
  } while (0)
#define cr_expect(cond, ...)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      t__expect_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);               \
  } while (0)
#define cr_assert_not(c, ...) cr_assert(!(c), __VA_ARGS__)
#define cr_assert_fail(...) t__fail(__FILE__, __LINE__, "fail", " " __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) cr_expect((a) == (b), __VA_ARGS__)
#define cr_expect_lt(a, b, ...) cr_expect((a) < (b), __VA_ARGS__)
#define cr_expect_leq(a, b, ...) cr_expect((a) <= (b), __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) cr_expect(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_stderr_eq_str(s, ...) cr_assert(t__stderr_is(s), __VA_ARGS__)

#endif
