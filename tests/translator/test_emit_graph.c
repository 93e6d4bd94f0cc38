/* The dot and json views, over an IR built by hand for samples/hello.ac:
   main awaits hello(), hello awaits print_async(), print_async awaits
   nothing.  The DOT must render with `dot -Tsvg`, the JSON must parse and
   hold the fields docs/cli.md promises. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static const char hello_text[] =
    "static void print_async(void) { }\n"
    "static void hello(void) { await print_async(); }\n"
    "int main(void) { await hello(); return 0; }\n";

static Node *node(NodeKind kind, size_t begin, size_t end) {
  Node *n = xalloc(sizeof *n);
  *n = (Node){.kind = kind, .begin = begin, .end = end};
  return n;
}

static Node *await_node(const char *text, const char *operand) {
  const char *at = strstr(text, operand);
  cr_assert(at);
  size_t begin = (size_t)(at - text), end = begin + strlen(operand);
  Node *n = node(ND_AWAIT, begin - 6, end);
  n->lhs = node(ND_CALL, begin, end);
  return n;
}

static Slot *slot(Vec *slots, SlotKind kind, const char *name,
                  const char *type, size_t offset, size_t size, Group *g) {
  Slot *s = xalloc(sizeof *s);
  *s = (Slot){.kind = kind, .name = name, .type = type, .group = g,
              .offset = offset, .size = size, .align = size};
  vec_push(slots, s);
  return s;
}

static AsyncFunc *func(const char *name, const char *ret, int line) {
  AsyncFunc *f = xalloc(sizeof *f);
  f->name = name;
  f->ret_type = ret;
  f->line = line;
  f->def = node(ND_FUNC_DEF, 0, 0);
  f->def->body = node(ND_BLOCK, 0, 0);
  f->frame = xalloc(sizeof *f->frame);
  f->align = 8;
  slot(&f->slots, SL_STATE, "state", "uint32_t", 0, 4, f->frame);
  return f;
}

/* One await site, live in its own state, with a child in a union. */
static void await_site(Program *p, AsyncFunc *f, const char *callee,
                       const char *operand, int line) {
  Site *s = xalloc(sizeof *s);
  s->state = f->sites.len + 1;
  s->await = await_node(p->src->text, operand);
  s->await->has_await = true;
  Node *st = node(ND_EXPR_STMT, s->await->begin, s->await->end);
  st->lhs = s->await;
  st->has_await = true;
  vec_push(&f->def->body->args, st);
  s->line = line;
  s->col = 3;
  s->kind = CH_FRAME;
  s->callee = callee;
  s->out_type = "void";
  Group *u = xalloc(sizeof *u);
  *u = (Group){.is_union = true, .label = "children", .parent = f->frame};
  s->child = slot(&f->slots, SL_CHILD, "c1", xformat("%s__frame", callee), 8,
                  16, u);
  vec_push(&s->child->live, (void *)(intptr_t)s->state);
  vec_push(&f->sites, s);
  f->size = 24;
}

static Program *hello_program(void) {
  Program *p = xalloc(sizeof *p);
  p->src = source_new("hello.ac", xstrdup(hello_text), strlen(hello_text));
  AsyncFunc *print = func("print_async", "void", 8);
  print->size = 4;
  AsyncFunc *hello = func("hello", "void", 12);
  await_site(p, hello, "print_async", "print_async()", 13);
  AsyncFunc *main_ = func("main", "int", 16);
  main_->is_main = true;
  await_site(p, main_, "hello", "hello()", 17);
  vec_push(&p->funcs, print);
  vec_push(&p->funcs, hello);
  vec_push(&p->funcs, main_);
  transitions_analyze(p);
  return p;
}

/* Feeds `text` to a shell command; returns its exit status. */
static int pipe_to(const char *cmd, const Str *text) {
  FILE *f = popen(cmd, "w");
  cr_assert(f);
  fwrite(text->buf, 1, text->len, f);
  return pclose(f);
}

Test(emit_graph, dot_names_states_and_renders) {
  Str out = {0};
  emit_dot(hello_program(), &out);
  const char *dot = str_cstr(&out);
  cr_assert(strstr(dot, "digraph \"hello.ac\""));
  cr_assert(strstr(dot, "AwaitingHello\\nawait hello()\\nline 17"), "%s", dot);
  cr_assert(strstr(dot, "AwaitingPrint\\nawait print_async()"), "%s", dot);
  cr_assert(strstr(dot, "\"main.0\" -> \"main.1\""), "%s", dot);
  cr_assert(strstr(dot, "\"main.1\" -> \"main.2\" [label=\"return\"]"), "%s",
            dot);
  cr_assert_eq(pipe_to("dot -Tsvg >/dev/null", &out), 0);
}

Test(emit_graph, json_parses_with_the_documented_fields) {
  Str out = {0};
  emit_json(hello_program(), &out);
  const char *check =
      "jq -e '.version == 1 and .file == \"hello.ac\" and "
      "(.functions | length) == 3 and "
      ".functions[2].name == \"main\" and "
      "([.functions[2].states[].name] == [\"Start\", \"AwaitingHello\", "
      "\"Done\"]) and "
      ".functions[2].states[1].await == \"hello()\" and "
      ".functions[2].states[1].line == 17 and "
      ".functions[2].states[1].successors == [2] and "
      ".functions[2].frame.size == 24 and "
      ".functions[2].frame.fields[1].live_in_states == [1] and "
      ".functions[2].frame.fields[1].union == \"children\" and "
      ".functions[0].states[0].successors == [1]' >/dev/null";
  cr_assert_eq(pipe_to(check, &out), 0, "%s", str_cstr(&out));
}

Test(emit_graph, json_escapes_strings) {
  Program *p = hello_program();
  ((AsyncFunc *)p->funcs.items[0])->notes.len = 0;
  vec_push(&((AsyncFunc *)p->funcs.items[0])->notes,
           "a \"quoted\"\\ note\n\ttab");
  Str out = {0};
  emit_json(p, &out);
  cr_assert(strstr(str_cstr(&out),
                   "\"a \\\"quoted\\\"\\\\ note\\n\\ttab\""));
  cr_assert_eq(pipe_to("jq -e . >/dev/null", &out), 0);
}
