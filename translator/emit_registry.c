/*
 * emit_registry.c: the future registry at the top of every translated file,
 * and the boxed futures of async functions defined in other files.
 *
 * ac.h's `ac_spawn(fut)` (and AC_VTABLE_OF) must find the vtable of any
 * future value from its type alone.  C has no traits, but _Generic over
 * pointer types can do it if it knows the list, so every translated file
 * starts with that list for its own futures:
 *
 *   struct f__frame;
 *   static const ac_future_vtable_t f__vtable;      (or extern)
 *   #undef AC__FUTURE_TYPES
 *   #define AC__FUTURE_TYPES struct f__frame *: &f__vtable, ...
 *
 * Pointers to the (still incomplete) frame structs are complete types, so
 * the list is valid before any frame is defined; ac.h adds the runtime's own
 * leaf futures to it.  The list also names the hand-written futures of the
 * user's own headers that the file spawns (T_t, with its T_vtable), and,
 * for an async function g only declared here, the boxed future below.
 *
 * Such a g's frame size is unknown in this file, so its future value is a
 * pointer to a heap frame (g__new) in a one-member struct, with a vtable of
 * its own that polls through the pointer and frees the frame when dropped;
 * `g(args)` makes one, so `ac_spawn(g(3))` works with only g's prototype in
 * sight (the C compiler never sees the prototype, which says `async`):
 *
 *   typedef struct g__boxed { struct g__frame *frame; } g__boxed;
 *   static ac_poll_t g__bpoll(void *self, ac_context_t *cx, void *out) ...
 *   static const ac_future_vtable_t g__bvtable = {...};
 *   static inline g__boxed g(long n) { g__boxed b = {g__new(n)}; return b; }
 *
 * A local of an async function holding such a future is the frame pointer
 * itself, so `struct g__frame **` maps to the same vtable.
 */
#include "ir.h"
#include "oracle.h"
#include "parse.h"

#include <string.h>

static bool ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && !strcmp(s + n - m, tail);
}

/* The hand-written future type a call of ac_spawn or AC_VTABLE_OF names,
   if it is declared outside ac.h with a T_vtable: "T_t" into *vt too. */
static const char *user_future(Program *p, Node *call, const char **vt) {
  if (call->lhs->kind != ND_IDENT || call->args.len != 1)
    return NULL;
  bool spawn = !strcmp(call->lhs->name, "ac_spawn");
  if (!spawn && strcmp(call->lhs->name, "AC_VTABLE_OF"))
    return NULL;
  Node *a = call->args.items[0];
  const char *t = oracle_expr_type(p->oracle, a->begin, a->end), *poll;
  if (!t || (!spawn && !ends_with(t, " *")))
    return NULL;
  if (!spawn)
    t = xstrndup(t, strlen(t) - 2);
  if (!oracle_future_info(p->oracle, t, &poll, NULL, NULL))
    return NULL;
  *vt = xformat("%.*s_vtable", (int)(strlen(poll) - 5), poll);
  Decl *d = scope_lookup_file(*vt);
  if (!d || d->kind != DK_VAR ||
      ends_with(source_loc(p->src, d->name_off).file, "/ac.h"))
    return NULL;
  return t;
}

/* Each such type once, with its vtable after it. */
static void user_futures(Program *p, Vec *types) {
  const Vec *calls = ast_calls();
  for (int i = 0; p->oracle && i < calls->len; i++) {
    const char *vt, *t = user_future(p, calls->items[i], &vt);
    bool seen = false;
    for (int j = 0; t && j < types->len && !seen; j += 2)
      seen = !strcmp(types->items[j], t);
    if (t && !seen) {
      vec_push(types, (char *)t);
      vec_push(types, (char *)vt);
    }
  }
}

void emit_registry_prepare(Program *p) {
  if (!p->user_futures_found)
    user_futures(p, &p->user_futures);
  p->user_futures_found = true;
}

void emit_future_registry(Program *p, Str *out) {
  emit_registry_prepare(p);
  Vec user = p->user_futures;
  if (!p->funcs.len && !p->externs.len && !user.len)
    return;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    str_printf(out,
               "struct %s__frame;\n"
               "%s const ac_future_vtable_t %s__vtable;\n",
               fn->name, fn->is_static ? "static" : "extern", fn->name);
  }
  for (int i = 0; i < p->externs.len; i++) {
    const char *n = ((ExternAsync *)p->externs.items[i])->name;
    str_printf(out, "struct %s__frame;\nstruct %s__boxed;\n"
               "static const ac_future_vtable_t %s__bvtable;\n", n, n, n);
  }
  str_puts(out, "#undef AC__FUTURE_TYPES\n#define AC__FUTURE_TYPES");
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    str_printf(out, " struct %s__frame *: &%s__vtable,", fn->name, fn->name);
  }
  for (int i = 0; i < p->externs.len; i++) {
    const char *n = ((ExternAsync *)p->externs.items[i])->name;
    str_printf(out, " struct %s__boxed *: &%s__bvtable,"
               " struct %s__frame **: &%s__bvtable,", n, n, n, n);
  }
  for (int i = 0; i < user.len; i += 2)
    str_printf(out, " %s *: &%s,", (char *)user.items[i],
               (char *)user.items[i + 1]);
  str_puts(out, "\n");
}

static bool ident_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

static bool is_async_name(Program *p, const char *id, size_t n) {
  for (int i = 0; i < p->funcs.len; i++) {
    const char *f = ((AsyncFunc *)p->funcs.items[i])->name;
    if (strlen(f) == n && !strncmp(f, id, n))
      return true;
  }
  for (int i = 0; i < p->externs.len; i++) {
    const char *f = ((ExternAsync *)p->externs.items[i])->name;
    if (strlen(f) == n && !strncmp(f, id, n))
      return true;
  }
  return false;
}

/* Whether [begin, end) of the buffer names an async function, outside
   string and character literals. */
static bool names_async(Program *p, size_t begin, size_t end) {
  const char *t = p->src->text;
  for (size_t i = begin; i < end;) {
    if (t[i] == '"' || t[i] == '\'') {
      char q = t[i++];
      while (i < end && t[i] != q)
        i += t[i] == '\\' ? 2 : 1;
      i++;
    } else if (ident_char(t[i]) && (i == begin || !ident_char(t[i - 1]))) {
      size_t j = i;
      while (j < end && ident_char(t[j]))
        j++;
      if (is_async_name(p, t + i, j - i))
        return true;
      i = j;
    } else {
      i++;
    }
  }
  return false;
}

int emit_first_use(Program *p) {
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    if (source_loc(p->src, n->begin).in_main &&
        names_async(p, n->begin, n->end))
      return i;
  }
  return -1;
}

/* g's parameters with a name each (`__typeof__(int *) ac__a1` where the
   prototype leaves one unnamed), and the names alone, for g's boxed
   constructor. */
static void named_params(Program *p, Decl *g, Str *params, Str *names) {
  for (int i = 0; i < g->params.len; i++) {
    Decl *d = g->params.items[i];
    const char *text = vm_param_forward(p->src, d); /* vm_params.c */
    const char *name = d->name ? d->name : xformat("ac__a%d", i);
    if (!strcmp(text, "void") && g->params.len == 1)
      break;
    str_printf(params, "%s%s", i ? ", " : "",
               d->name ? text : xformat("__typeof__(%s) %s", text, name));
    str_printf(names, "%s%s", i ? ", " : "", name);
  }
  if (!params->len)
    str_puts(params, "void");
}

void emit_boxed_future(Program *p, ExternAsync *x, Str *out) {
  const char *n = x->name;
  Str params = {0}, names = {0};
  named_params(p, x->decl, &params, &names);
  str_printf(out,
             "typedef struct %s__boxed { struct %s__frame *frame; } "
             "%s__boxed;\n"
             "static ac_poll_t %s__bpoll(void *self, ac_context_t *cx, "
             "void *out) {\n"
             "  return %s__poll(((%s__boxed *)self)->frame, cx, out);\n}\n",
             n, n, n, n, n, n);
  str_printf(out,
             "static void %s__bdrop(void *self) {\n"
             "  %s__drop(((%s__boxed *)self)->frame);\n"
             "  free(((%s__boxed *)self)->frame);\n}\n"
             "static const ac_future_vtable_t %s__bvtable "
             "__attribute__((unused)) = {\n"
             "  %s__bpoll, %s__bdrop, sizeof(%s__boxed), "
             "_Alignof(%s__boxed), %s, \"%s\"};\n",
             n, n, n, n, n, n, n, n, n,
             strcmp(x->ret_type, "void") ? xformat("sizeof(%s)", x->ret_type)
                                         : "0", n);
  str_printf(out,
             "static inline __attribute__((unused)) %s__boxed %s(%s) {\n"
             "  %s__boxed b = {%s__new(%s)};\n  return b;\n}\n",
             n, n, str_cstr(&params), n, n, str_cstr(&names));
}
