/* Frame sizes: for reference functions, the frame is no larger than its
   state word plus the largest set of fields live at one suspension point
   (alignment aside), and the sizes --emit=layout reports are the ones the
   C compiler gives the generated structs. */
#include "lower_run.h"

/* Reference functions: sibling scopes, children of different sites,
   temporaries of different statements, a loop, a call chain. */
static const char layout_src[] =
    "static async long leafy(long v) { return await tick(v); }\n"
    "static async long scopes(int k) {\n"
    "  long s = 0;\n"
    "  if (k) {\n"
    "    long a[16] = {1};\n"
    "    s += await tick(a[0]);\n"
    "  } else {\n"
    "    long b[8] = {2};\n"
    "    s += await leafy(b[0]);\n"
    "  }\n"
    "  {\n"
    "    char c[100];\n"
    "    c[0] = (char)await tick(3);\n"
    "    s += c[0];\n"
    "  }\n"
    "  return s;\n"
    "}\n"
    "static async long children(long x) {\n"
    "  long a = await leafy(x);\n"
    "  long b = await scopes((int)a);\n"
    "  long c = await tick(b) + await leafy(a);\n"
    "  return a + b + c;\n"
    "}\n"
    "static async long loop(int n) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < n; i++) {\n"
    "    double d = (double)await tick(i);\n"
    "    s += (long)d;\n"
    "  }\n"
    "  return s;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  return (int)(await children(1) + await loop(4));\n"
    "}\n";

typedef struct FrameInfo {
  char name[64];
  long size, align, live;
} FrameInfo;

static int parse_layout(const char *text, FrameInfo *out, int max) {
  int n = 0;
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    FrameInfo f = {0};
    const char *fr = strstr(p, "__frame: size ");
    const char *eol = strchr(p, '\n');
    if (fr && (!eol || fr < eol) && n < max &&
        sscanf(fr, "__frame: size %ld, align %ld", &f.size, &f.align) == 2) {
      snprintf(f.name, sizeof f.name, "%.*s", (int)(fr - p), p);
      out[n++] = f;
      continue;
    }
    long total, live;
    if (n && sscanf(p, "  total %ld; largest live set %ld", &total, &live) == 2)
      out[n - 1].live = live;
  }
  return n;
}

static long align_up(long n, long a) { return (n + a - 1) / a * a; }

Test(layout, frame_is_no_larger_than_its_largest_live_set) {
  FrameInfo f[16];
  int n = parse_layout(lr_translate("layout", layout_src, EMIT_LAYOUT), f, 16);
  cr_assert_geq(n, 5, "expected 5 frames in --emit=layout");
  for (int i = 0; i < n; i++) {
    cr_assert_gt(f[i].size, 0, "%s: no size", f[i].name);
    /* Alignment aside: padding after the state word and at the end. */
    cr_expect_leq(f[i].size, align_up(f[i].live, f[i].align) + f[i].align,
                  "%s__frame is %ld bytes, largest live set %ld", f[i].name,
                  f[i].size, f[i].live);
  }
}

Test(layout, sibling_scopes_share_storage) {
  FrameInfo f[16];
  int n = parse_layout(lr_translate("layout2", layout_src, EMIT_LAYOUT), f, 16);
  for (int i = 0; i < n; i++)
    if (!strcmp(f[i].name, "scopes")) /* 128 + 64 + 100 if they did not */
      cr_expect_lt(f[i].size, 200, "scopes__frame is %ld bytes", f[i].size);
}

Test(layout, reported_sizes_are_the_compilers) {
  FrameInfo f[16];
  int n = parse_layout(lr_translate("layout3", layout_src, EMIT_LAYOUT), f, 16);
  Str c = {0};
  str_printf(&c, "#define main lr_unused_main\n%s#undef main\n",
             lr_translate("layout3c", layout_src, EMIT_C));
  str_puts(&c, "int main(void) {\n");
  for (int i = 0; i < n; i++)
    str_printf(&c, "  printf(\"%s %%zu %%zu\\n\", sizeof(%s__frame), "
               "_Alignof(%s__frame));\n", f[i].name, f[i].name, f[i].name);
  str_puts(&c, "  return 0;\n}\n");
  const char *path = xformat("%s/layout3.c", lr_dir());
  const char *bin = xformat("%s/layout3", lr_dir());
  lr_write(path, str_cstr(&c));
  cr_assert_eq(system(xformat("cc -std=gnu11 -w -I%s -o %s %s",
                              ACC_RUNTIME_INCLUDE, bin, path)), 0);
  char *got = lr_shell(bin);
  for (int i = 0; i < n; i++) {
    char *want = xformat("%s %ld %ld\n", f[i].name, f[i].size, f[i].align);
    cr_expect(strstr(got, want), "compiler disagrees: want %s in\n%s", want,
              got);
  }
}
