/*
 * emit_registry.c: the future registry at the top of every translated file.
 *
 * ac.h's `ac_spawn(fut)` (and AC_VTABLE_OF) must find the vtable of any
 * future value from its type alone.  C has no traits, but _Generic over
 * pointer types can do it if it knows the list, so every translated file
 * starts with that list for its own async functions:
 *
 *   struct f__frame;
 *   static const ac_future_vtable_t f__vtable;      (or extern)
 *   #undef AC__FUTURE_TYPES
 *   #define AC__FUTURE_TYPES struct f__frame *: &f__vtable,
 *
 * Pointers to the (still incomplete) frame structs are complete types, so
 * the list is valid before any frame is defined; ac.h adds the runtime's own
 * leaf futures to it.  A future of an async function of another file is a
 * heap frame here (`g(x)` is `g__new(x)`), so the list names the pointer
 * to it, spawned through the vtable g's own file writes for that:
 *
 *   struct g__frame **: &g__box_vtable,
 */
#include "ir.h"

void emit_future_registry(Program *p, Str *out) {
  if (!p->funcs.len && !p->externs.len)
    return;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    str_printf(out,
               "struct %s__frame;\n"
               "%s const ac_future_vtable_t %s__vtable;\n",
               fn->name, fn->is_static ? "static" : "extern", fn->name);
  }
  str_puts(out, "#undef AC__FUTURE_TYPES\n#define AC__FUTURE_TYPES");
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    str_printf(out, " struct %s__frame *: &%s__vtable,", fn->name, fn->name);
  }
  /* A future of another file's function is the pointer its f__new gave:
     its box vtable polls through it and frees the frame. */
  for (int i = 0; i < p->externs.len; i++) {
    const char *n = ((ExternAsync *)p->externs.items[i])->name;
    str_printf(out, " struct %s__frame **: &%s__box_vtable,", n, n);
  }
  str_puts(out, "\n");
}
