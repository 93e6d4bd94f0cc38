/*
 * vm_params.c: the parameter lists of the functions acc writes around an
 * async function whose parameters have array sizes that are no constants
 * (`long a[n][next(&k)]`, `long (*row)[m + 1]`).
 *
 * C evaluates those sizes once, on entry to the function, side effects
 * included.  An async function's call passes through several of acc's
 * functions (f, f__new, f__shim, f__block_on, a boxed constructor, then
 * f__init), and each that declares the parameter as written would evaluate
 * them again.  So only f__init evaluates them, and it keeps in its frame
 * the sizes the poll reads (docs/lowering.md, "Variably modified
 * parameters"), at the moment C evaluates them:
 *
 *   f__init:       long a[n][(ac__F->ac__t1 = (next(&k)))]
 *   the others:    long a[ac__vm_size][ac__vm_size]
 *
 * The others' sizes read ac__vm_size (ac.h), which is no constant either,
 * so their parameters stay variably modified and take the same arguments
 * without a warning, and nothing is evaluated until f__init.
 */
#include "ir.h"

#include <string.h>

size_t vm_bracket_end(const char *t, size_t i, size_t end) {
  int depth = 0;
  for (; i < end; i++) {
    depth += (t[i] == '[') - (t[i] == ']');
    if (!depth)
      return i;
  }
  return end;
}

bool vm_no_size(const char *t, size_t i, size_t end) {
  for (; i < end; i++)
    if (t[i] != ' ' && t[i] != '\t' && t[i] != '\n')
      return false;
  return true;
}

/* The size of f__init's frame field that captures the bracket whose
   contents start at `at`, or NULL. */
static const VmSize *captured(const AsyncFunc *fn, size_t at) {
  for (int i = 0; fn && i < fn->vm_sizes.len; i++) {
    const VmSize *v = fn->vm_sizes.items[i];
    if (v->begin == at)
      return v;
  }
  return NULL;
}

/* Text [i, end) with each array size captured (fn set) or not evaluated.
   In specifiers, an empty `[]` is no size and stays. */
static void sizes(Str *s, const char *t, const AsyncFunc *fn, size_t i,
                  size_t end, bool in_spec) {
  while (i < end) {
    size_t j = i;
    while (j < end && t[j] != '[')
      j++;
    str_puts(s, rewrite_text(t, i, j));
    if (j >= end)
      break;
    size_t k = vm_bracket_end(t, j, end);
    const VmSize *v = fn ? captured(fn, j + 1) : NULL;
    if (v)
      str_printf(s, "[(ac__F->%s = (%s))]", v->field,
                 rewrite_text(t, j + 1, k));
    else if (!fn && !(in_spec && vm_no_size(t, j + 1, k)))
      str_puts(s, "[ac__vm_size]");
    else
      str_puts(s, rewrite_text(t, j, k < end ? k + 1 : end));
    i = k < end ? k + 1 : end;
  }
}

/* One parameter's text, its sizes captured (fn set) or not evaluated. */
static void param(Source *src, const AsyncFunc *fn, const Decl *p, Str *s) {
  const char *t = src->text;
  size_t end = p->end > p->spec->end ? p->end : p->spec->end;
  if ((!p->is_vla && !p->spec_vm) || p->begin < p->spec->end) {
    str_puts(s, rewrite_text(t, p->spec->begin, end));
    return;
  }
  if (p->spec_vm)
    sizes(s, t, fn, p->spec->begin, p->begin, true);
  else
    str_puts(s, rewrite_text(t, p->spec->begin, p->begin));
  if (p->is_vla)
    sizes(s, t, fn, p->begin, end, false);
  else
    str_puts(s, rewrite_text(t, p->begin, end));
}

static const char *params(Source *src, const AsyncFunc *fn, const Decl *f) {
  Str s = {0};
  for (int i = 0; i < f->params.len; i++) {
    if (i)
      str_puts(&s, ", ");
    param(src, fn, f->params.items[i], &s);
  }
  if (f->is_variadic)
    str_puts(&s, ", ...");
  return s.len ? str_cstr(&s) : "void";
}

const char *vm_params_init(Source *src, const AsyncFunc *fn) {
  return params(src, fn, fn->decl);
}

const char *vm_params_forward(Source *src, const Decl *f) {
  return params(src, NULL, f);
}

const char *vm_param_forward(Source *src, const Decl *p) {
  Str s = {0};
  param(src, NULL, p, &s);
  return str_cstr(&s);
}
