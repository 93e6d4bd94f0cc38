/*
 * lower_types.c: the types of declarations, as the frame declares them:
 * a local's or parameter's type from the oracle (or from its declaration
 * when the oracle has none usable at file scope), an async function's
 * result type and its parameters as written, and the record of an async
 * function declared here and defined in another file.
 */
#include "lower.h"

#include <string.h>

/* A use of d whose type the oracle knows (uses inside an expression the
   erasure could not type have none). */
static const char *type_at_use(Lower *L, Node *n, Decl *d) {
  if (!n)
    return NULL;
  if (n->kind == ND_IDENT && n->decl == d) {
    /* its type as seen where it is declared: an inner block may define
       another type of the same name */
    const char *t = lower_oracle_type(L, n->begin, n->end, d->name_off);
    return t && !strchr(t, '<') ? t : NULL;
  }
  Node *kids[256];
  int k = lower_children(n, kids, 256);
  for (int i = 0; i < k; i++) {
    const char *t = type_at_use(L, kids[i], d);
    if (t)
      return t;
  }
  return NULL;
}

/* The type name the declaration spells: specifiers plus the declarator
   without its name ("char [100]", "int (*)(int)"). */
static const char *abstract_type(Lower *L, Decl *d) {
  size_t n = strlen(d->name);
  return xformat("%s %s%s",
                 lower_type_words(lower_src(L, d->spec->begin, d->spec->end)),
                 lower_src(L, d->begin, d->name_off),
                 lower_src(L, d->name_off + n, d->end));
}

/* The declared type of a local or parameter, from the oracle at one of its
   uses, else from its declaration; NULL if neither can be written at file
   scope (an unnamed struct: the field is then the declarator itself). */
const char *lower_type_of_decl(Lower *L, Decl *d) {
  /* From its declaration's type, unless that is the typeof of a future
     (the spelling says which function's frame it is). */
  Node *te = d->spec->typeof_expr;
  if (!(te && lower_is_async_call(te))) {
    const char *printed = oracle_type_name_decl(L->o, d->name_off,
                                                lower_namer, L);
    if (printed)
      return printed;
  }
  const char *t = type_at_use(L, L->fn->def->body, d);
  if (t && (strstr(t, "(unnamed") || strstr(t, "(anonymous")))
    return NULL;
  for (int i = 0; !t && i < d->spec->tags.len; i++)
    if (!lower_is_hoisted_unnamed(L, d->spec->tags.items[i]))
      return NULL; /* its specifiers would define the tag again */
  return lower_fix_spelling(t ? t : abstract_type(L, d));
}

static bool is_storage_word(const char *w, size_t n) {
  static const char *words[] = {"async", "static", "extern", "inline",
                                "__inline", "__inline__", "_Noreturn",
                                "register", "auto", "_Thread_local",
                                "__thread", "typedef", NULL};
  for (int i = 0; words[i]; i++)
    if (strlen(words[i]) == n && !strncmp(words[i], w, n))
      return true;
  return false;
}

/* The specifiers' text without storage classes, async and inline. */
const char *lower_type_words(const char *text) {
  Str s = {0};
  for (const char *p = text; *p;) {
    if (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
      const char *q = p;
      while (*q == '_' || (*q >= 'a' && *q <= 'z') ||
             (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
        q++;
      if (!is_storage_word(p, (size_t)(q - p)))
        str_printf(&s, "%s%.*s", s.len ? " " : "", (int)(q - p), p);
      p = q;
    } else {
      if (*p != ' ' && *p != '\t' && *p != '\n')
        str_add(&s, p, 1);
      p++;
    }
  }
  return str_cstr(&s);
}

const char *lower_result_type(Program *p, Decl *d) {
  const char *t = oracle_type_name_result(p->oracle, d->name_off, d->name,
                                          NULL, NULL);
  return t ? t : lower_ret_type(p->src, d);
}

const char *lower_ret_type(Source *src, Decl *d) {
  const char *spec = lower_type_words(xstrndup(src->text + d->spec->begin,
                                         d->spec->end - d->spec->begin));
  const char *ptr = xstrndup(src->text + d->begin,
                             d->name_off > d->begin ? d->name_off - d->begin
                                                    : 0);
  const char *t = xformat("%s %s", spec, lower_type_words(ptr));
  size_t n = strlen(t);
  while (n && t[n - 1] == ' ')
    n--;
  return xstrndup(t, n);
}

/* The parameters as written: "int a, const char *s", "void" for none. */
const char *lower_param_text(Source *src, Decl *fn) {
  Str s = {0};
  for (int i = 0; i < fn->params.len; i++) {
    Decl *p = fn->params.items[i];
    size_t end = p->end > p->spec->end ? p->end : p->spec->end;
    const char *t = rewrite_text(src->text, p->spec->begin, end);
    str_printf(&s, "%s%s", i ? ", " : "", t);
  }
  if (fn->is_variadic)
    str_puts(&s, ", ...");
  return s.len ? str_cstr(&s) : "void";
}

/* Whether the parameter list is `(void)`. */
bool lower_is_void_params(Source *src, Decl *fn) {
  if (fn->params.len != 1)
    return fn->params.len == 0;
  Decl *p = fn->params.items[0];
  const char *spec = xstrndup(src->text + p->spec->begin,
                              p->spec->end - p->spec->begin);
  return !p->name && !strcmp(lower_type_words(spec), "void");
}

/* The type of a value of type t: an array or a function is a pointer.
   Written as the type of a comma expression, which converts its operand
   as C does, so it holds for any type name:
     "int [3]" -> __typeof__(((void)0, *(__typeof__(int [3]) *)0)) (int *) */
const char *lower_decay(const char *t) {
  if (!t || !strpbrk(t, "[("))
    return t;
  return xformat("__typeof__(((void)0, *(__typeof__(%s) *)0))", t);
}

void lower_add_extern(Program *p, Decl *d) {
  if (map_get(&p->extern_by_name, d->name))
    return;
  ExternAsync *e = xalloc(sizeof *e);
  e->decl = d;
  e->name = d->name;
  e->ret_type = lower_result_type(p, d);
  e->params = lower_is_void_params(p->src, d) ? "void"
                                              : lower_param_text(p->src, d);
  vec_push(&p->externs, e);
  map_put(&p->extern_by_name, e->name, e);
}
