/*
 * gen: the inputs of `make bench-translate` (bench/translate/run.sh), as .ac
 * files on stdout.
 *
 *   gen funcs N      N async functions in chains of 16 (each awaits the
 *                    previous one of its chain twice, the first of a chain
 *                    awaits ac_yield_now()), with locals across the awaits
 *                    and plain code around them; main awaits the last of
 *                    every chain
 *   gen callees N    N small async functions and one function awaiting
 *                    each of them once
 *   gen awaits N     one async function with N awaits of one callee, with
 *                    branches and locals live across them
 *   gen plain KB     about KB kilobytes of plain C (structs, loops, switches,
 *                    strings, pointers) and one async function
 *
 * Each file compiles as C once `async` and `await` are erased (acc
 * --emit=sync), so the erasure can be compiled too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void prologue(void) {
  puts("#include <stdio.h>\n#include <string.h>\n#include <ac.h>\n");
}

static void funcs(long n) {
  prologue();
  for (long k = 0; k < n; k++) {
    printf("static async int f%ld(int x) {\n  int a = x * %ld, b = 0;\n", k, k % 97 + 1);
    puts("  for (int i = 0; i < 3; i++)\n    b += a ^ i;");
    if (k % 16 == 0)
      puts("  await ac_yield_now();\n  a += b;");
    else
      printf("  a = await f%ld(b & 7);\n  if (a > 3)\n    b -= await f%ld(a);\n", k - 1, k - 1);
    puts("  return a + b;\n}\n");
  }
  puts("async int main(void) {\n  long s = 0;");
  for (long k = 15; k < n; k += 16)
    printf("  s += await f%ld((int)s & 15);\n", k);
  puts("  printf(\"%ld\\n\", s);\n  return 0;\n}");
}

static void callees(long n) {
  prologue();
  for (long k = 0; k < n; k++)
    printf("static async int c%ld(int x) { return x + %ld; }\n", k, k);
  puts("\nstatic async long all(int x) {\n  long s = 0;");
  for (long k = 0; k < n; k++)
    printf("  s += await c%ld(x);\n", k);
  puts("  return s;\n}\n\nasync int main(void) {\n  printf(\"%ld\\n\", await all(1));"
       "\n  return 0;\n}");
}

static void awaits(long n) {
  prologue();
  puts("static async int step(int x) { return x * 3 + 1; }\n");
  puts("static async long many(int x) {\n  long s = 0;\n  int t = x;");
  for (long k = 0; k < n; k++) {
    switch (k % 4) {
    case 0: printf("  s += await step(t + %ld);\n", k); break;
    case 1: printf("  t = (int)(s & 1023) + await step(%ld);\n", k); break;
    case 2: printf("  if (s & %ld)\n    s ^= await step(t);\n", (k & 7) + 1); break;
    default: printf("  { int u = t * 2;\n    u += await step(u);\n    s += u; }\n"); break;
    }
  }
  puts("  return s;\n}\n\nasync int main(void) {\n  printf(\"%ld\\n\", await many(1));"
       "\n  return 0;\n}");
}

/* One plain function of about 900 bytes, in a few shapes. */
static long plain_func(long k) {
  switch (k % 3) {
  case 0:
    return printf(
        "typedef struct rec%ld {\n  int id, kind;\n  double w;\n  char name[16];\n"
        "  struct rec%ld *next;\n} rec%ld;\n\n"
        "int walk%ld(rec%ld *r, int limit) {\n  int n = 0;\n"
        "  for (; r && n < limit; r = r->next) {\n"
        "    if (r->kind == %ld || r->w > 0.5)\n      n += r->id;\n"
        "    else if (strcmp(r->name, \"k%ld\") == 0)\n      n -= 2;\n  }\n"
        "  return n;\n}\n\n",
        k, k, k, k, k, k % 5, k);
  case 1:
    return printf(
        "unsigned hash%ld(const char *s, unsigned seed) {\n"
        "  unsigned h = seed ^ %ldu;\n  while (*s) {\n    h = (h << 5) + h + (unsigned char)*s++;\n"
        "    h ^= h >> 13;\n  }\n  switch (h & 3) {\n  case 0: h += 7; break;\n"
        "  case 1: h *= 31; break;\n  default: h -= %ld;\n  }\n  return h;\n}\n\n",
        k, k, k % 101);
  default:
    return printf(
        "void fill%ld(int *a, int n, int step) {\n  int acc = %ld;\n"
        "  for (int i = 0; i < n; i++) {\n    acc = acc * 1103515245 + 12345;\n"
        "    a[i] = (acc >> 16) %% (step + 1);\n    if (a[i] < 0)\n      a[i] = -a[i];\n  }\n"
        "  for (int i = 1; i < n; i++)\n    for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {\n"
        "      int t = a[j];\n      a[j] = a[j - 1];\n      a[j - 1] = t;\n    }\n}\n\n",
        k, k);
  }
}

static void plain(long kb) {
  prologue();
  long bytes = 0;
  for (long k = 0; bytes < kb * 1024; k++)
    bytes += plain_func(k);
  puts("static async int leaf(int x) { return x + 1; }\n");
  puts("async int main(void) {\n  int v = await leaf(41);\n  printf(\"%d\\n\", v);"
       "\n  return 0;\n}");
}

int main(int argc, char **argv) {
  long n = argc > 2 ? atol(argv[2]) : 0;
  if (argc != 3 || n <= 0) {
    fprintf(stderr, "usage: gen funcs|callees|awaits N | gen plain KB\n");
    return 2;
  }
  if (!strcmp(argv[1], "funcs"))
    funcs(n);
  else if (!strcmp(argv[1], "callees"))
    callees(n);
  else if (!strcmp(argv[1], "awaits"))
    awaits(n);
  else if (!strcmp(argv[1], "plain"))
    plain(n);
  else {
    fprintf(stderr, "gen: unknown shape '%s'\n", argv[1]);
    return 2;
  }
  return 0;
}
