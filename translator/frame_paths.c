/*
 * frame_paths.c: member paths through large frames, so the C compiler can
 * look fields up quickly.
 *
 * emit_c.c writes a frame's groups as anonymous structs and unions, and
 * every field is reached as ac__F->name whatever its nesting.  C compilers find
 * such a member by searching every anonymous member in turn (gcc steps
 * through the anonymous members of a struct one by one, recursing into
 * each), so in a frame with thousands of groups -- a function with
 * thousands of awaits has a group per full expression -- every ac__F->name
 * costs the number of groups, and compiling the poll function becomes
 * quadratic (docs/benchmarks.md, bench-translate).
 *
 * A frame with more than PATH_GROUPS aggregates therefore gets member
 * names: each struct that is an alternative of a union is named ac__gN, and
 * each field is reached through the names on its way,
 * ac__F->ac__g7.ac__g9.ac__t5.
 * From any aggregate, the anonymous members left are one scope struct and
 * its union per level, so a lookup costs the nesting depth.  The pass
 * rewrites the slots' names (Slot.field keeps the declarator) and every
 * ac__F->name the lowering already wrote.  Smaller frames are left as
 * they are, so gdb and the views read them as ac__F->name.
 */
#include "ir.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PATH_GROUPS = 32 };
#define FRAME "ac__F->" /* the poll function's frame pointer */

/* As emit_c.c writes them: an empty group is dropped, a group of one live
   member is flattened into its parent; the others are aggregates. */
static bool empty(Group *g) {
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->slot || !empty(m->group))
      return false;
  }
  return true;
}

static bool aggregate(Group *g) {
  int n = 0;
  for (int i = 0; i < g->members.len && n < 2; i++) {
    GroupMember *m = g->members.items[i];
    n += m->slot || !empty(m->group);
  }
  return n > 1;
}

static int count(Group *g) {
  int n = aggregate(g);
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->group)
      n += count(m->group);
  }
  return n;
}

typedef struct Paths {
  int next;      /* the next ac__gN */
  Map renamed;   /* bare slot name -> its path and name */
} Paths;

/* Names the aggregates that are written as members of a union, below g;
   `path` leads to g's members, `in_union` says whether g's members land in
   a union (g is one, or g is flattened into one). */
static void name_groups(Paths *ps, Group *g, const char *path, bool in_union) {
  for (int i = 0; i < g->members.len; i++) {
    GroupMember *m = g->members.items[i];
    if (m->slot) {
      if (*path) {
        m->slot->field = m->slot->name;
        m->slot->name = xformat("%s%s", path, m->slot->name);
        map_put(&ps->renamed, m->slot->field, (char *)m->slot->name);
      }
      continue;
    }
    Group *c = m->group;
    bool agg = aggregate(c);
    const char *inner = path;
    if (in_union && agg) {
      c->member = xformat("ac__g%d", ++ps->next);
      inner = xformat("%s%s.", path, c->member);
    }
    name_groups(ps, c, inner, agg ? c->is_union : in_union);
  }
}

/* text with each ac__F->name of a renamed slot written ac__F->path.name;
   string and character literals and comments (the user's own, copied
   with the body) are copied as they are. */
static const char *rewrite(Paths *ps, const char *text) {
  if (!text || !strstr(text, FRAME))
    return text;
  Str out = {0};
  const char *p = text, *copied = text;
  while (*p) {
    if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
      continue;
    }
    if (p[0] == '/' && p[1] == '/') {
      p += strcspn(p, "\n");
      continue;
    }
    if (*p == '"' || *p == '\'') {
      char q = *p++;
      while (*p && *p != q)
        p += p[0] == '\\' && p[1] ? 2 : 1;
      p += *p == q;
      continue;
    }
    if (!strncmp(p, FRAME, strlen(FRAME)) &&
        (p == text || !is_ident_char(p[-1]))) {
      const char *b = p + strlen(FRAME), *e = b;
      while (is_ident_char(*e))
        e++;
      char *name = xstrndup(b, (size_t)(e - b));
      const char *to = map_get(&ps->renamed, name);
      free(name);
      if (to) {
        str_add(&out, copied, (size_t)(b - copied));
        str_puts(&out, to);
        copied = p = e;
        continue;
      }
      p = e;
      continue;
    }
    p++;
  }
  if (copied == text)
    return text;
  str_puts(&out, copied);
  return str_cstr(&out);
}

static void func_paths(AsyncFunc *fn) {
  if (count(fn->frame) <= PATH_GROUPS)
    return;
  Paths ps = {.renamed = {.strings = true}};
  name_groups(&ps, fn->frame, "", false); /* the frame is a struct */
  for (int i = 0; i < fn->steps.len; i++) {
    Step *st = fn->steps.items[i];
    if (st->kind == ST_TEXT)
      st->text = rewrite(&ps, st->text);
  }
  for (int i = 0; i < fn->children.len; i++) { /* a combinator's branches */
    Site *s = fn->children.items[i];
    s->init = rewrite(&ps, s->init);
    s->args = rewrite(&ps, s->args);
    s->cleanup = rewrite(&ps, s->cleanup); /* the drop function's calls */
  }
  map_free(&ps.renamed);
}

void frame_paths(Program *p) {
  for (int i = 0; i < p->funcs.len; i++)
    func_paths(p->funcs.items[i]);
}
