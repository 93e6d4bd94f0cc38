/*
 * A stand-in for the part of <criterion/criterion.h> the runtime tests use,
 * for the ThreadSanitizer build only: Criterion 2.4 cannot start under
 * TSan (its inheritable arena needs a fixed mapping that TSan's shadow
 * memory takes; Snaipe/Criterion#274).  runner.c runs each registered test
 * in a child process and prints Criterion's synthesis line.
 */
#ifndef AC_TSAN_CRITERION_SHIM_H
#define AC_TSAN_CRITERION_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void t__register(const char *suite, const char *name, void (*fn)(void));
__attribute__((noreturn, format(printf, 4, 5))) void
t__fail(const char *file, int line, const char *expr, const char *fmt, ...);

#define Test(suite, name)                                                      \
  static void suite##_##name##_impl(void);                                     \
  __attribute__((constructor)) static void suite##_##name##_reg(void) {        \
    t__register(#suite, #name, suite##_##name##_impl);                         \
  }                                                                            \
  static void suite##_##name##_impl(void)

#define cr_assert(cond, ...)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      t__fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);                      \
  } while (0)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)

#endif
