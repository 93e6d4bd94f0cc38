/*
 * emit_header.c: what plain C needs to call into a .ac file.
 *
 * `acc --emit=header lib.ac -o lib.h` writes a header declaring every
 * non-static async function of lib.ac twice: for acc (another .ac file
 * that includes it reads the async prototype) and for the C compiler (a
 * .c file, or acc's own output of that other .ac file):
 *
 *   #ifdef __ACC__
 *   async long work(long x);
 *   #else
 *   typedef struct work__frame work__frame;  (opaque: work__vtable.size)
 *   void work__init(work__frame *ac__F, long x);
 *   work__frame *work__new(long x);
 *   ac_poll_t work__poll(work__frame *ac__F, ac_context_t *ac__cx, long *ac__out);
 *   void work__drop(work__frame *ac__F);
 *   extern const ac_future_vtable_t work__vtable;
 *   long work__shim(long x);           (what a pointer to work holds)
 *   static inline ac_task_t *work__spawn(long x) { ... }
 *   static inline int work__block_on(long x, long *out) { ... }
 *   #endif
 *
 * The last two are for C callers, inline here: the translated lib.c does
 * not define them, so it needs no part of the runtime it does not use.
 * The frame is opaque outside lib.c; its size is in the vtable, and f__new
 * allocates one.  The types of the signatures must come from headers: the header
 * repeats the #include lines of lib.ac (those outside conditionals, before
 * the first exported function), and a type that lib.ac defines itself is
 * an error, since no other file could see it.
 */
#include "ir.h"

#include <ctype.h>
#include <string.h>

/* ==== f__spawn and f__block_on, for C callers ==== */

static const char *arg_names(AsyncFunc *fn) {
  Str s = {0};
  for (int i = 0; i < fn->params.len; i++)
    str_printf(&s, "%s%s", i ? ", " : "",
               ((Slot *)fn->params.items[i])->decl->name);
  return str_cstr(&s);
}

/* "long *ac__out", or through __typeof__ for declarator types. */
static const char *out_decl(AsyncFunc *fn, const char *name) {
  return strpbrk(fn->ret_type, "([")
             ? xformat("__typeof__(%s) *%s", fn->ret_type, name)
             : xformat("%s *%s", fn->ret_type, name);
}

static const char *block_on_params(Program *p, AsyncFunc *fn) {
  const char *params = fn->param_fwd_text;
  bool none = !fn->params.len;
  if (fn->is_void)
    return none ? "void" : params;
  const char *out = out_decl(fn, "ac__out");
  return none ? out : xformat("%s, %s", params, out);
}

/*
 *   static inline ac_task_t *work__spawn(long x) {
 *     work__frame *ac__F = work__new(x);
 *     ac_task_t *ac__t = ac__F ? ac_spawn_raw(&work__vtable, ac__F) : 0;
 *     free(ac__F);
 *     return ac__t;
 *   }
 * Inline in the header, so the translated file needs nothing of the
 * runtime it does not use (spawn copies the unstarted frame into the task:
 * the heap copy serves frames of any size, where a stack one might not).
 */
static void c_entries(Program *p, AsyncFunc *fn, Str *out) {
  const char *n = fn->name, *params = fn->param_fwd_text;
  const char *args = arg_names(fn);
  str_printf(out,
             "static inline ac_task_t *%s__spawn(%s) {\n"
             "  %s__frame *ac__F = %s__new(%s);\n"
             "  ac_task_t *ac__t = ac__F ? ac_spawn_raw(&%s__vtable, ac__F) "
             ": 0;\n"
             "  free(ac__F);\n  return ac__t;\n}\n",
             n, params, n, n, args, n);
  str_printf(out,
             "static inline int %s__block_on(%s) {\n"
             "  %s__frame *ac__F = %s__new(%s);\n"
             "  int ac__rc = ac__F ? ac_block_on(&%s__vtable, ac__F, %s) : -12; "
             "/* -ENOMEM */\n"
             "  free(ac__F);\n  return ac__rc;\n}\n",
             n, block_on_params(p, fn), n, n, args, n,
             fn->is_void ? "0" : "ac__out");
}

/* ==== the header ==== */

static bool exported(AsyncFunc *fn) { return !fn->is_static && !fn->is_main; }

/* The tag a word of the specifiers names (`struct point` -> point), if
   one of the .ac file's own items defines it. */
static bool defined_in_main(Program *p, const char *kw, const char *tag) {
  for (int i = 0; i < p->tu->args.len; i++) {
    Node *n = p->tu->args.items[i];
    if ((n->kind != ND_DECLARATION && n->kind != ND_FUNC_DEF) ||
        !source_loc(p->src, n->begin).in_main)
      continue;
    for (int j = 0; j < n->spec->tags.len; j++) {
      Node *t = n->spec->tags.items[j];
      const char *text = p->src->text + t->begin;
      size_t kl = strlen(kw), tl = strlen(tag);
      if (strncmp(text, kw, kl))
        continue;
      const char *q = text + kl;
      while (*q == ' ' || *q == '\t' || *q == '\n')
        q++;
      if (!strncmp(q, tag, tl) && !isalnum((unsigned char)q[tl]) &&
          q[tl] != '_')
        return true;
    }
  }
  return false;
}

/* A type in [begin, end) of the buffer that only the .ac file knows: a
   typedef or a struct, union or enum it defines.  Returns its name. */
static const char *private_type(Program *p, size_t begin, size_t end) {
  const char *t = p->src->text;
  static const char *kws[] = {"struct", "union", "enum"};
  for (size_t i = begin; i < end; i++) {
    if (i > begin && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_'))
      continue;
    size_t j = i;
    while (j < end && (isalnum((unsigned char)t[j]) || t[j] == '_'))
      j++;
    if (j == i)
      continue;
    Decl *d = ast_name_at(i);
    if (d && d->kind == DK_TYPEDEF && source_loc(p->src, d->name_off).in_main)
      return d->name;
    for (size_t k = 0; k < 3; k++) {
      if (strlen(kws[k]) != j - i || strncmp(t + i, kws[k], j - i))
        continue;
      size_t a = j;
      while (a < end && strchr(" \t\n", t[a]))
        a++;
      size_t b = a;
      while (b < end && (isalnum((unsigned char)t[b]) || t[b] == '_'))
        b++;
      const char *tag = xstrndup(t + a, b - a);
      if (b > a && defined_in_main(p, kws[k], tag))
        return xformat("%s %s", kws[k], tag);
    }
    i = j - 1;
  }
  return NULL;
}

static bool check_types(Program *p, AsyncFunc *fn) {
  Decl *d = fn->decl;
  const char *t = private_type(p, d->spec->begin, d->end);
  if (!t)
    return true;
  error_at(d->name_off, "'%s' uses the type '%s', which %s defines itself: "
           "no file that includes its header can see it; move the type to "
           "a header that %s includes", fn->name, t, p->src->path,
           p->src->path);
  return false;
}

/* ACC_LIB_H for lib.h (or for lib.ac, written to standard output). */
static const char *guard(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 3 && !strcmp(base + n - 3, ".ac"))
    base = xformat("%.*s.h", (int)n - 3, base);
  Str s = {0};
  str_puts(&s, "ACC_");
  for (const char *c = base; *c; c++) {
    char u = (char)toupper((unsigned char)*c);
    str_add(&s, isalnum((unsigned char)u) ? &u : "_", 1);
  }
  return str_cstr(&s);
}

/* The #include lines of the .ac file outside conditionals, up to `stop`
   (its line of the first exported function), except one of `self`. */
static void includes(Program *p, int stop, const char *self, Str *out) {
  const Source *src = p->src;
  char *text = src->ac ? xstrndup(src->ac, src->ac_len) : NULL;
  int depth = 0, line = 1;
  for (char *l = text; l && *l && line < stop; line++) {
    char *eol = strchr(l, '\n');
    if (eol)
      *eol = 0; /* one line at a time */
    char *q = l;
    while (*q == ' ' || *q == '\t')
      q++;
    if (*q == '#') {
      q++;
      while (*q == ' ' || *q == '\t')
        q++;
      if (!strncmp(q, "if", 2))
        depth++;
      else if (!strncmp(q, "endif", 5))
        depth--;
      else if (!strncmp(q, "include", 7) && !depth &&
               !(self && strstr(q, self)) && !strstr(q, "<ac.h>"))
        str_printf(out, "%s\n", l);
    }
    l = eol ? eol + 1 : NULL;
  }
}

/* The .ac prototype of fn on one line: its blanks and newlines made one
   space, none inside parentheses. */
static const char *ac_prototype(Program *p, AsyncFunc *fn) {
  Decl *d = fn->decl;
  const char *t = p->src->text;
  Str s = {0};
  for (size_t i = d->spec->begin; i < d->end; i++) {
    if (!strchr(" \t\n", t[i])) {
      str_add(&s, t + i, 1);
      continue;
    }
    while (i + 1 < d->end && strchr(" \t\n", t[i + 1]))
      i++;
    if (s.len && !strchr("(", str_cstr(&s)[s.len - 1]) && t[i + 1] != ')')
      str_puts(&s, " ");
  }
  return str_cstr(&s);
}

/* Prototypes keep the sizes as written (a prototype evaluates none); the
   inline f__spawn and f__block_on pass them on (vm_params.c). */
static void c_decls(Program *p, AsyncFunc *fn, Str *out) {
  const char *n = fn->name, *params = fn->param_text;
  bool none = !fn->params.len;
  str_printf(out, "\n/* %s */\n", ac_prototype(p, fn));
  str_printf(out,
             "typedef struct %s__frame %s__frame; /* opaque: %s__vtable.size "
             "bytes */\n"
             "void %s__init(%s__frame *ac__F%s%s);\n"
             "%s__frame *%s__new(%s); /* malloc + init; NULL on ENOMEM */\n",
             n, n, n, n, n, none ? "" : ", ",
             none ? "" : params, n, n, params);
  str_printf(out,
             "ac_poll_t %s__poll(%s__frame *ac__F, ac_context_t *ac__cx, %s);\n"
             "void %s__drop(%s__frame *ac__F);\n"
             "extern const ac_future_vtable_t %s__vtable;\n",
             n, n, fn->is_void ? "void *ac__out" : out_decl(fn, "ac__out"), n, n, n);
  str_printf(out, "/* what a pointer to %s holds, for a parameter or "
                  "member that is an async\n   function pointer "
                  "(docs/language.md) */\n", n);
  emit_shim_proto(n, fn->ret_type, params, false, out);
  c_entries(p, fn, out);
}

void emit_header(Program *p, const char *path, Str *out) {
  int first = 0;
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    if (exported(fn) && !check_types(p, fn))
      return;
    if (exported(fn) && !first)
      first = fn->line;
  }
  const char *g = guard(path ? path : p->src->path);
  const char *self = path ? strrchr(path, '/') : NULL;
  str_printf(out,
             "/* The async functions of %s,\n"
             "   for C and for other .ac files.\n"
             "   Written by acc --emit=header; do not edit. */\n"
             "#ifndef %s\n#define %s\n\n",
             p->src->path, g, g);
  includes(p, first ? first : 1 << 30, self ? self + 1 : path, out);
  str_puts(out, "#include <ac.h>\n#include <stdlib.h>\n\n#ifdef __ACC__\n");
  for (int i = 0; i < p->funcs.len; i++) {
    AsyncFunc *fn = p->funcs.items[i];
    Decl *d = fn->decl;
    if (exported(fn))
      str_printf(out, "%.*s;\n", (int)(d->end - d->spec->begin),
                 p->src->text + d->spec->begin);
  }
  str_puts(out, "#else /* C: the frame functions, and two for C callers */");
  for (int i = 0; i < p->funcs.len; i++)
    if (exported(p->funcs.items[i]))
      c_decls(p, p->funcs.items[i], out);
  str_printf(out, "\n#endif\n\n#endif /* %s */\n", g);
}
