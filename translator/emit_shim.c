/*
 * emit_shim.c: f__shim, what a pointer to the async function f points to
 * (docs/language.md, "Async function pointers").
 *
 * A pointer to an async function is, in C, a plain pointer to a function
 * of the same signature, so its type needs no rewriting.  The function it
 * points to does not run f: it starts f's frame in the ac_dyn_t that the
 * awaiting side named just before the call (ac.h's ac__dyn_target), inline
 * there when it fits, and returns a zero value nobody reads:
 *
 *   static long f__shim(int x) {
 *     f__init(ac_dyn_place(ac__dyn_target, &f__vtable), x);
 *     long ac__r;
 *     __builtin_memset(&ac__r, 0, sizeof ac__r);
 *     return ac__r;
 *   }
 *
 * and `await fp(3)` is (lower_expr.c's site_dyn)
 *
 *   ac__dyn_target = &ac__F->ac__c1;
 *   (void)(ac__F->fp)(3);
 *   ... ac_dyn_poll(&ac__F->ac__c1, ac__cx, &ac__F->ac__t1) ...
 */
#include "ir.h"

#include <string.h>

/* A static function whose name is never used as a value has no pointer to
   it, so nothing calls its shim: it gets none (each one was a function
   definition for the C compiler to read, on every async function of a
   file; docs/lowering.md, "The C compiler's time"). */
bool emit_needs_shim(const Decl *d, bool is_static) {
  return !is_static || asyncptr_is_value(d);
}

static const char *ret_decl(const char *type, const char *name) {
  return strpbrk(type, "([") ? xformat("__typeof__(%s) %s", type, name)
                             : xformat("%s %s", type, name);
}

static const char *shim_head(const char *name, const char *ret,
                             const char *params, bool is_static) {
  return xformat("%s%s(%s)", is_static ? "static inline " : "",
                 ret_decl(ret, xformat("%s__shim", name)), params);
}

void emit_shim_proto(const char *name, const char *ret, const char *params,
                     bool is_static, Str *out) {
  str_printf(out, "%s%s;\n", is_static ? "__attribute__((unused)) " : "",
             shim_head(name, ret, params, is_static));
}

void emit_shim(Program *p, AsyncFunc *fn, Str *out) {
  const char *params = fn->param_fwd_text;
  Str args = {0};
  for (int i = 0; i < fn->params.len; i++)
    str_printf(&args, ", %s", ((Slot *)fn->params.items[i])->decl->name);
  str_printf(out, "%s {\n  %s__init(ac_dyn_place(ac__dyn_target, "
             "&%s__vtable)%s);\n",
             shim_head(fn->name, fn->ret_type, params, fn->is_static),
             fn->name, fn->name, str_cstr(&args));
  if (!fn->is_void)
    str_printf(out, "  %s;\n  __builtin_memset(&ac__r, 0, sizeof ac__r);\n"
               "  return ac__r;\n", ret_decl(fn->ret_type, "ac__r"));
  str_puts(out, "}\n");
}
