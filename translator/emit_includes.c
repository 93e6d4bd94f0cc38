/*
 * emit_includes.c: the headers the generated code needs (ac.h, stdio.h,
 * stdlib.h) are included just before the first async function, not at the
 * top, so that feature-test macros defined at the top still come before
 * every include (docs/lowering.md).  They come after the user's own
 * macros, then, and a macro of the user's named like a parameter or
 * member those headers use (`#define out 4`, `#define state 1` -- glibc's
 * stdlib.h has a member `state` -- `#define len 10`) would break them.
 * Each macro the user defines is saved and undefined around the includes
 * and restored after them (gcc and clang both know the pragmas):
 *
 *   #pragma push_macro("out")
 *   #undef out
 *   #include <ac.h>
 *   #include <stdlib.h>
 *   #pragma pop_macro("out")
 *
 * The user's macros: `#define NAME` in the .ac or in a header the
 * preprocessor entered that is not a system header (a -include file among
 * them), and -D NAME.  Names with a leading underscore stay: feature-test
 * macros (_GNU_SOURCE) must reach the headers.
 */
#include "cli.h"
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* Adds the identifier at p (n bytes) to `set`. */
static void add_name(Map *set, const char *p, size_t n) {
  if (!n || p[0] == '_')
    return;
  char *name = xstrndup(p, n);
  if (!map_get(set, name))
    map_put(set, name, name);
}

/* The names `#define NAME` defines in a C text. */
static void defined_names(const char *t, Map *set) {
  for (const char *line = t; line && *line;) {
    const char *p = line + strspn(line, " \t");
    if (*p == '#') {
      p += 1 + strspn(p + 1, " \t");
      if (!strncmp(p, "define", 6) && (p[6] == ' ' || p[6] == '\t')) {
        p += 6 + strspn(p + 6, " \t");
        size_t n = 0;
        while (is_ident_char(p[n]))
          n++;
        if (n)
          add_name(set, p, n);
      }
    }
    line = strchr(line, '\n');
    line = line ? line + 1 : NULL;
  }
}

/* The user's files: the .ac and every file a linemarker enters (flag 1)
   that is not a system header (flag 3) nor the runtime's ac.h. */
static void user_files(const Source *src, Map *files) {
  map_put(files, src->path, (void *)src->path);
  const char *runtime = runtime_include();
  for (const char *line = src->text; line && *line;) {
    if (line[0] == '#' && line[1] == ' ' && line[2] >= '0' && line[2] <= '9') {
      const char *q = strchr(line, '"'), *eol = strchr(line, '\n');
      const char *close = q ? strchr(q + 1, '"') : NULL;
      if (close && (!eol || close < eol)) {
        const char *flags = close + 1;
        size_t fl = eol ? (size_t)(eol - flags) : strlen(flags);
        char *f = xstrndup(flags, fl);
        if (strstr(f, " 1") && !strstr(f, " 3")) {
          char *path = xstrndup(q + 1, (size_t)(close - q - 1));
          if (path[0] != '<' && strncmp(path, runtime, strlen(runtime)) &&
              !map_get(files, path))
            map_put(files, path, path);
        }
        free(f);
      }
    }
    line = strchr(line, '\n');
    line = line ? line + 1 : NULL;
  }
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void emit_includes(Program *p, const char *const *headers, Str *out) {
  if (!headers[0])
    return;
  Map user = {.strings = true}, files = {.strings = true};
  user_files(p->src, &files);
  for (size_t i = 0; i < files.cap; i++) {
    if (!files.keys[i])
      continue;
    size_t n;
    char *text = read_file((const char *)files.keys[i], &n);
    if (text)
      defined_names(text, &user);
  }
  for (int i = 0; i < p->cmd_defines.len; i++) {
    const char *d = p->cmd_defines.items[i];
    add_name(&user, d, strcspn(d, "=("));
  }
  Vec names = {0};
  for (size_t i = 0; i < user.cap; i++)
    if (user.keys[i])
      vec_push(&names, (void *)user.keys[i]);
  if (names.len > 1) /* a stable order */
    qsort(names.items, (size_t)names.len, sizeof *names.items, by_name);
  for (int i = 0; i < names.len; i++)
    str_printf(out, "#pragma push_macro(\"%s\")\n#undef %s\n",
               (char *)names.items[i], (char *)names.items[i]);
  for (int i = 0; headers[i]; i++)
    str_printf(out, "#include <%s>\n", headers[i]);
  for (int i = names.len - 1; i >= 0; i--)
    str_printf(out, "#pragma pop_macro(\"%s\")\n", (char *)names.items[i]);
  map_free(&user);
  map_free(&files);
}
