/* A debug table does not point at its function's vtable: the vtable's
   name is the table's own name pointer (f__name), which ac_debug_find
   matches.  So the table keeps no vtable, and through it no poll or drop,
   in the object: a function returning by value that is only awaited in
   place has no f__poll wrapper once compiled (emit_debug.c, ac.h,
   docs/lowering.md §4 "The C compiler's time"). */
#include "lower_run.h"

static const char src[] =
    "static async long leaf(long x) { return await tick(x) + 1; }\n"
    "static async long spawned(long x) { return await tick(x) * 2; }\n"
    "async int test_main(void) { return (int)await leaf(3); }\n"
    "#ifndef __ACC__\n"
    "#include <assert.h>\n"
    "int lr_find(void);\n"
    "int lr_find(void) {\n"
    "  const ac_debug_func_t *t = ac_debug_find(&spawned__vtable);\n"
    "  return t == &spawned__debug && t->vtable == 0 &&\n"
    "         spawned__vtable.name == spawned__debug.name &&\n"
    "         ac_debug_find(&ac_yield_vtable) == 0;\n"
    "}\n"
    "#endif\n";

Test(debug_name, a_table_keeps_no_vtable_nor_run_alive) {
  const char *dir = lr_dir();
  const char *c = xformat("%s/debug_name.c", dir);
  lr_write(c, lr_translate("debug_name", src, EMIT_C));
  const char *o = xformat("%s/debug_name.o", dir);
  cr_assert_eq(system(xformat("cc -std=c11 -O1 -Wall -Wextra -Werror -I%s "
                              "-c -o %s %s", ACC_RUNTIME_INCLUDE, o, c)), 0);
  char *syms = lr_shell(xformat("nm %s", o));
  /* nor its f__run: awaited once, gcc inlines it (a table that took its
     address kept a copy out of line, emit_debug.c) */
  cr_assert(!strstr(syms, " leaf__run\n"), "%s", syms);
  cr_assert(!strstr(syms, " leaf__poll\n"), "%s", syms);
  cr_assert(!strstr(syms, " leaf__vtable\n"), "%s", syms);
  /* the table finds its function from a vtable in use */
  const char *bin = xformat("%s/debug_name", dir);
  const char *main_c = xformat("%s/debug_name_main.c", dir);
  lr_write(main_c, "int lr_find(void);\n"
                   "int main(void) { return !lr_find(); }\n");
  const char *o2 = xformat("%s/debug_name_renamed.o", dir);
  const char *san = getenv("SAN") ? getenv("SAN") : ""; /* libacrt's */
  cr_assert_eq(system(xformat("cc -std=c11 %s -I%s -Dmain=lr_driver_main -c "
                              "-o %s %s", san, ACC_RUNTIME_INCLUDE, o2, c)), 0);
  cr_assert_eq(system(xformat("cc -std=c11 %s -o %s %s %s %s/libacrt.a "
                              "-lpthread", san, bin, o2, main_c,
                              ACC_RUNTIME_LIB)), 0);
  cr_assert_eq(system(bin), 0, "ac_debug_find did not find the table");
}

/* A field's offset and size are written through the file's one macro
   ac__DF (most of a table's text on a function with many awaits), and are
   the ones the compiler gives the frame: members inside the frame's
   groups (a union of scopes, a full expression's struct) included. */
static const char fields_src[] =
    "static async long step(long x) { return await tick(x); }\n"
    "static async long many(long x) {\n"
    "  long s = x;\n"
    "  { char buf[24]; buf[0] = 1; s += await step(buf[0]); }\n"
    "  { short k = 3; s += k * await step(s) + await step(k); }\n"
    "  return s;\n"
    "}\n"
    "async int test_main(void) { return (int)await many(1); }\n"
    "#ifndef __ACC__\n"
    "int lr_check(void);\n"
    "int lr_check(void) {\n"
    "  const ac_debug_func_t *t = &many__debug;\n"
    "  int bad = t->nfields < 5;\n"
    "  for (uint32_t i = 0; i < t->nfields; i++) {\n"
    "    const ac_debug_field_t *f = &t->fields[i];\n"
    "#define LR_IS(m) (!__builtin_strcmp(f->cname, #m) && \\\n"
    "    (f->offset != __builtin_offsetof(many__frame, m) || \\\n"
    "     f->size != sizeof(((many__frame *)0)->m)))\n"
    "    bad += LR_IS(x) || LR_IS(s) || LR_IS(ac__c1) || LR_IS(ac__c2) ||\n"
    "           LR_IS(ac__c3) || LR_IS(ac__t1) || LR_IS(ac__t3);\n"
    "    bad += f->size == 0;\n"
    "  }\n"
    "  return bad;\n"
    "}\n"
    "#endif\n";

Test(debug_name, field_offsets_and_sizes_are_the_compilers) {
  const char *dir = lr_dir();
  char *text = lr_translate("debug_fields", fields_src, EMIT_C);
  cr_assert(strstr(text, "#define ac__DF(T, m) __builtin_offsetof(T, m), "
                         "sizeof(((T *)0)->m)\n"), "%s", text);
  cr_assert(strstr(text, ", ac__DF(many__frame, s), AC_DEBUG_LOCAL, "),
            "%s", text);
  const char *c = xformat("%s/debug_fields.c", dir);
  lr_write(c, text);
  const char *main_c = xformat("%s/debug_fields_main.c", dir);
  lr_write(main_c, "int lr_check(void);\n"
                   "int main(void) { return lr_check(); }\n");
  const char *o = xformat("%s/debug_fields.o", dir);
  const char *bin = xformat("%s/debug_fields", dir);
  const char *san = getenv("SAN") ? getenv("SAN") : "";
  cr_assert_eq(system(xformat("cc -std=c11 -Wall -Wextra -Werror %s -I%s "
                              "-Dmain=lr_driver_main -c -o %s %s", san,
                              ACC_RUNTIME_INCLUDE, o, c)), 0);
  cr_assert_eq(system(xformat("cc -std=c11 %s -o %s %s %s", san, bin, o,
                              main_c)), 0);
  cr_assert_eq(system(bin), 0, "a field's offset or size is not the frame's");
}
