/*
 * layout_diff.c: `acc layout-diff OLD.json NEW.json`, what changed in the
 * frames between two builds.  Both files are `acc --emit=json` output
 * (docs/cli.md, the JSON schema); functions are matched by name.  Per
 * function it reports a new or removed function, and changes of frame
 * size, alignment, number of states and largest live set, with the
 * difference in bytes; `-v` adds the fields that appeared, went or
 * changed size.  Like diff(1), it exits 0 when nothing changed, 1 when
 * something did, 2 on trouble.  The JSON is read with jansson.
 */
#include "cli.h"

#include <jansson.h>
#include <string.h>

static int usage(const char *msg) {
  fprintf(stderr, "acc: error: %s\nacc: usage: acc layout-diff [-v] OLD.json "
                  "NEW.json\n", msg);
  return 2;
}

static json_t *load(const char *path) {
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root) {
    fprintf(stderr, "acc: error: %s:%d: %s\n", path, err.line, err.text);
    return NULL;
  }
  json_t *v = json_object_get(root, "version");
  if (!json_is_integer(v) || json_integer_value(v) != 1 ||
      !json_is_array(json_object_get(root, "functions"))) {
    fprintf(stderr, "acc: error: '%s' is not the output of acc --emit=json "
                    "(schema version 1)\n", path);
    return NULL;
  }
  return root;
}

static json_t *func_named(json_t *root, const char *name) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(root, "functions"), i, f) {
    const char *n = json_string_value(json_object_get(f, "name"));
    if (n && !strcmp(n, name))
      return f;
  }
  return NULL;
}

static long long num(json_t *obj, const char *key) {
  return json_integer_value(json_object_get(obj, key));
}

static json_t *frame(json_t *f) { return json_object_get(f, "frame"); }

static long long nstates(json_t *f) {
  return (long long)json_array_size(json_object_get(f, "states"));
}

static const char *signed_diff(long long d) {
  return xformat("%s%lld", d > 0 ? "+" : "", d);
}

/* "size 4136 -> 136 (-4000)" or "size 136" when equal. */
static void change(Str *out, const char *what, long long a, long long b,
                   bool *changed) {
  if (a == b) {
    str_printf(out, "%s%s %lld", out->len ? ", " : "", what, a);
    return;
  }
  *changed = true;
  str_printf(out, "%s%s %lld -> %lld (%s)", out->len ? ", " : "", what, a, b,
             signed_diff(b - a));
}

/* Fields are matched by what they hold in the source ("source": C member
   names carry declaration numbers that move between builds), the k-th of
   a name with the k-th. */
static const char *source(json_t *x) {
  const char *s = json_string_value(json_object_get(x, "source"));
  return s ? s : json_string_value(json_object_get(x, "name"));
}

static int rank(json_t *fields, size_t at) {
  const char *n = source(json_array_get(fields, at));
  int k = 0;
  for (size_t i = 0; i < at; i++)
    k += n && source(json_array_get(fields, i)) &&
         !strcmp(source(json_array_get(fields, i)), n);
  return k;
}

static json_t *field_named(json_t *fields, const char *name, int k) {
  size_t i;
  json_t *x;
  json_array_foreach(fields, i, x) {
    const char *n = source(x);
    if (n && !strcmp(n, name) && k-- == 0)
      return x;
  }
  return NULL;
}

static void field_changes(json_t *a, json_t *b) {
  json_t *fa = json_object_get(frame(a), "fields");
  json_t *fb = json_object_get(frame(b), "fields");
  size_t i;
  json_t *x;
  json_array_foreach(fa, i, x) {
    const char *n = source(x);
    json_t *y = n ? field_named(fb, n, rank(fa, i)) : NULL;
    if (!y)
      printf("      - %s (%lld bytes)\n", n, num(x, "size"));
    else if (num(x, "size") != num(y, "size"))
      printf("      ~ %s %lld -> %lld bytes\n", n, num(x, "size"),
             num(y, "size"));
  }
  json_array_foreach(fb, i, x) {
    const char *n = source(x);
    if (n && !field_named(fa, n, rank(fb, i)))
      printf("      + %s (%lld bytes)\n", n, num(x, "size"));
  }
}

static bool compare(json_t *a, json_t *b, const char *name, bool verbose) {
  bool changed = false;
  Str s = {0};
  change(&s, "frame", num(frame(a), "size"), num(frame(b), "size"), &changed);
  change(&s, "align", num(frame(a), "align"), num(frame(b), "align"),
         &changed);
  change(&s, "largest live set", num(frame(a), "largest_live_bytes"),
         num(frame(b), "largest_live_bytes"), &changed);
  change(&s, "states", nstates(a), nstates(b), &changed);
  if (changed) {
    printf("  ~ %s: %s\n", name, str_cstr(&s));
    if (verbose)
      field_changes(a, b);
  }
  return changed;
}

int layout_diff_main(int argc, char **argv) {
  const char *paths[2] = {0};
  int n = 0;
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-v"))
      verbose = true;
    else if (argv[i][0] == '-' && argv[i][1])
      return usage(xformat("unknown option '%s'", argv[i]));
    else if (n < 2)
      paths[n++] = argv[i];
    else
      return usage("more than two files");
  }
  if (n != 2)
    return usage("two files are needed");
  json_t *a = load(paths[0]), *b = load(paths[1]);
  if (!a || !b)
    return 2;
  printf("layout-diff %s %s\n", paths[0], paths[1]);
  int changed = 0, same = 0;
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(a, "functions"), i, f) {
    const char *name = json_string_value(json_object_get(f, "name"));
    json_t *g = name ? func_named(b, name) : NULL;
    if (!g) {
      printf("  - %s: removed (frame %lld bytes)\n", name,
             num(frame(f), "size"));
      changed++;
    } else if (compare(f, g, name, verbose)) {
      changed++;
    } else {
      same++;
    }
  }
  json_array_foreach(json_object_get(b, "functions"), i, f) {
    const char *name = json_string_value(json_object_get(f, "name"));
    if (name && !func_named(a, name)) {
      printf("  + %s: new (frame %lld bytes)\n", name, num(frame(f), "size"));
      changed++;
    }
  }
  printf("%d changed, %d unchanged\n", changed, same);
  json_decref(a);
  json_decref(b);
  return changed ? 1 : 0;
}
