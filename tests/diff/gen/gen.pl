#!/usr/bin/perl
# gen.pl: writes a random, well-defined async program for the differential
# suite, the same program for the same seed.
#
#   perl gen.pl SEED > gen_SEED.ac
#
# The program has a few async helpers and a test_main made of declarations,
# assignments, compound assignments, if/else, bounded for/while/do loops
# with break and continue, and switch with fallthrough.  Expressions put
# `await leaf(...)` and awaited helper calls in every operand position.
#
# Well-definedness is by construction, so that the erasure and the
# translation must agree:
#   - all arithmetic is on unsigned long (wraps, never overflows); divisors
#     are forced odd, shift counts masked;
#   - the only side effect inside expressions is trace(), which prints; it
#     appears only where the order is fixed by C: as an operand of &&, ||,
#     ?:, the comma operator, or as the one operand of an unsequenced pair
#     that may have effects (the other operand has none);
#   - helpers are pure (no trace, no globals), so awaiting them anywhere is
#     free of ordering questions; helper k calls only helpers below k;
#   - loops are bounded by int counters; every local is printed at the end
#     of its block.
use strict;
use warnings;

my $seed = shift // 1;
my $state = ($seed * 2654435761 + 12345) % 4294967296;
# A small LCG of our own, so the output does not depend on perl's rand().
sub rnd {
  my ($n) = @_;
  $state = ($state * 1103515245 + 12345) % 2147483648;
  return int(($state / 2147483648) * $n);
}
sub pick { return $_[rnd(scalar @_)]; }

my $nhelpers = 2 + rnd(3);
my $trace_id = 0;
my @scopes;          # each: list of variable names
my $var_id = 0;
my $in_helper = 0;   # helpers may not trace
my $max_helper = -1; # helpers callable from here: 0 .. max_helper
my $out = '';

sub vars_in_scope { return map { @$_ } @scopes; }

# expr(DEPTH, FX): an expression of type unsigned long.  FX: side effects
# (trace) allowed here.
sub expr {
  my ($d, $fx) = @_;
  my @vars = vars_in_scope();
  if ($d <= 0 || rnd(10) < 2) {
    my $r = rnd(10);
    return rnd(50) . 'ul' if $r < 3 || !@vars;
    return pick(@vars) if $r < 7;
    return "((unsigned long)await leaf(" . rnd(100) . "))";
  }
  my $k = rnd(13);
  if ($k <= 3) {                                   # arithmetic: one side may have effects
    my $op = pick('+', '-', '*', '^', '&', '|');
    my ($l, $r) = rnd(2) ? (expr($d - 1, $fx), expr($d - 1, 0)) : (expr($d - 1, 0), expr($d - 1, $fx));
    return "($l $op $r)";
  }
  if ($k == 4) {
    my $op = pick('/', '%');
    return "(" . expr($d - 1, $fx) . " $op (" . expr($d - 1, 0) . " | 1ul))";
  }
  if ($k == 5) {
    my $op = pick('<<', '>>');
    return "(" . expr($d - 1, $fx) . " $op (" . expr($d - 1, 0) . " & 15ul))";
  }
  if ($k == 6) {                                   # comparison: int, widened
    my $op = pick('<', '>', '==', '!=', '<=', '>=');
    # "% 1000ul + 1ul": no side folds to 0 (-Wtype-limits) nor is a bit
    # pattern gcc can decide (-Wtautological-compare); "? 7ul : 2ul": the
    # result is no boolean to gcc (-Wbool-compare, -Wbool-operation).
    return "((" . expr($d - 1, $fx) . ") % 1000ul + 1ul $op (" . expr($d - 1, 0) .
           ") % 1000ul + 2ul ? 7ul : 2ul)";
  }
  if ($k == 7) {                                   # && / ||: both sides sequenced
    my $op = pick('&&', '||');
    return "(" . truth($d - 1, $fx) . " $op " . truth($d - 1, $fx) . " ? 5ul : 3ul)";
  }
  if ($k == 8) {                                   # ?:
    return "(" . truth($d - 1, $fx) . " ? " . expr($d - 1, $fx) . " : " . expr($d - 1, $fx) . ")";
  }
  if ($k == 9 && $fx && !$in_helper) {             # comma: left side must do something
    return "(trace(" . $trace_id++ . ", " . expr($d - 1, $fx) . "), " . expr($d - 1, $fx) . ")";
  }
  if ($k == 10 && $fx && !$in_helper) {
    return "trace(" . $trace_id++ . ", " . expr($d - 1, $fx) . ")";
  }
  if ($k == 11 && $max_helper >= 0) {              # awaited helper: one argument may have effects
    my $h = rnd($max_helper + 1);
    my ($a, $b) = rnd(2) ? (expr($d - 1, $fx), expr($d - 1, 0)) : (expr($d - 1, 0), expr($d - 1, $fx));
    return "await h$h($a, $b)";
  }
  if ($k == 12) {
    return "(~" . expr($d - 1, $fx) . ")";
  }
  return "((unsigned long)await leaf((long)" . expr($d - 1, $fx) . "))";
}

# A condition; "% 3" keeps gcc from proving it constant (-Wtautological-compare).
sub cond { return "(" . expr($_[0], 1) . ") % 3ul != 0ul"; }
sub truth { return "(" . expr($_[0], $_[1]) . ") % 3ul != 0ul"; }
sub assignable { return grep { /^[a-z]\w*$/ } vars_in_scope(); }

sub line { my ($ind, $s) = @_; $out .= ('  ' x $ind) . $s . "\n"; }

sub open_scope { push @scopes, []; }
sub close_scope {
  my ($ind) = @_;
  my $vs = pop @scopes;
  for (@$vs) {
    if ($in_helper) { line($ind, "a ^= $_;"); }   # helpers print nothing
    else { line($ind, "printf(\"$_ %lu\\n\", $_);"); }
  }
}

sub new_var {
  my ($ind, $d) = @_;
  my $init = expr($d, 1);
  my $v = "v" . $var_id++;
  line($ind, "unsigned long $v = $init;");
  push @{$scopes[-1]}, $v;
}

my $loop_id = 0;

# stmt(INDENT, BUDGET, IN_LOOP, IN_SWITCH)
sub stmts {
  my ($ind, $n, $budget, $in_loop) = @_;
  for (1 .. $n) { stmt($ind, $budget, $in_loop); }
}

sub stmt {
  my ($ind, $budget, $in_loop) = @_;
  my @vars = assignable();
  my $k = $budget <= 0 ? rnd(4) : rnd(12);
  if ($k == 0 || !@vars) { new_var($ind, 3); return; }
  if ($k == 1) { line($ind, pick(@vars) . " = " . expr(3, 1) . ";"); return; }
  if ($k == 2) {
    my $op = pick('+=', '-=', '*=', '^=', '|=');
    line($ind, pick(@vars) . " $op " . expr(3, 1) . ";");
    return;
  }
  if ($k == 3) {
    if ($in_loop && !$in_helper && rnd(3) == 0) {
      line($ind, "if (" . cond(2) . ") " . pick('break;', 'continue;'));
    } else {
      line($ind, "printf(\"%lu\\n\", " . expr(2, 1) . ");") unless $in_helper;
      line($ind, pick(@vars) . " ^= " . expr(2, 0) . ";") if $in_helper;
    }
    return;
  }
  if ($k <= 5) {                                   # if / else
    line($ind, "if (" . cond(3) . ") {");
    open_scope(); stmts($ind + 1, 1 + rnd(3), $budget - 1, $in_loop); close_scope($ind + 1);
    if (rnd(2)) {
      line($ind, "} else {");
      open_scope(); stmts($ind + 1, 1 + rnd(3), $budget - 1, $in_loop); close_scope($ind + 1);
    }
    line($ind, "}");
    return;
  }
  if ($k == 6) {                                   # for
    my $i = "i" . $loop_id++;
    my $n = 1 + rnd(4);
    line($ind, "for (int $i = 0; $i < $n; $i++) {");
    open_scope();
    push @{$scopes[-1]}, "(unsigned long)$i";
    stmts($ind + 1, 1 + rnd(3), $budget - 1, 1);
    shift @{$scopes[-1]};
    close_scope($ind + 1);
    line($ind, "}");
    return;
  }
  if ($k == 7) {                                   # while with awaited condition
    my $w = "w" . $loop_id++;
    my $n = 1 + rnd(4);
    line($ind, "{");
    line($ind + 1, "int $w = 0;");
    line($ind + 1, "while ($w++ < $n && " . cond(2) . ") {");
    open_scope(); stmts($ind + 2, 1 + rnd(3), $budget - 1, 1); close_scope($ind + 2);
    line($ind + 1, "}");
    line($ind, "}");
    return;
  }
  if ($k == 8) {                                   # do-while
    my $w = "w" . $loop_id++;
    my $n = 1 + rnd(3);
    line($ind, "{");
    line($ind + 1, "int $w = 0;");
    line($ind + 1, "do {");
    open_scope(); stmts($ind + 2, 1 + rnd(3), $budget - 1, 1); close_scope($ind + 2);
    line($ind + 1, "} while (++$w < $n && " . cond(2) . ");");
    line($ind, "}");
    return;
  }
  if ($k == 9) {                                   # switch with fallthrough
    line($ind, "switch ((" . expr(2, 1) . ") % 4ul) {");
    for my $c (0 .. 2) {
      line($ind, "case ${c}ul: {");
      open_scope(); stmts($ind + 1, 1 + rnd(2), $budget - 1, $in_loop); close_scope($ind + 1);
      if (rnd(2)) { line($ind, "  break;"); line($ind, "}"); }
      else { line($ind, "}"); line($ind, "  /* fall through */"); }
    }
    line($ind, "default:");
    line($ind, "  " . pick(@vars) . " += " . expr(2, 1) . ";");
    line($ind, "}");
    return;
  }
  # a block of its own
  line($ind, "{");
  open_scope(); stmts($ind + 1, 1 + rnd(3), $budget - 1, $in_loop); close_scope($ind + 1);
  line($ind, "}");
}

line(0, "/* Generated by tests/diff/gen/gen.pl, seed $seed: do not edit. */");
line(0, "#include \"harness.h\"");
line(0, "");
line(0, "static unsigned long trace(int id, unsigned long v) {");
line(0, "  printf(\"t%d %lu\\n\", id, v);");
line(0, "  return v;");
line(0, "}");
line(0, "");
$in_helper = 1;
for my $h (0 .. $nhelpers - 1) {
  $max_helper = $h - 1;
  line(0, "static async unsigned long h$h(unsigned long a, unsigned long b) {");
  @scopes = (['a', 'b']);
  stmts(1, 1 + rnd(3), 1, 0);
  push @scopes, [];
  my @locals = @{$scopes[0]}[2 .. $#{$scopes[0]}];
  line(1, "a ^= $_;") for @locals;
  line(1, "return " . expr(3, 0) . " + a + b;");
  line(0, "}");
  line(0, "");
}
$in_helper = 0;
$max_helper = $nhelpers - 1;
line(0, "async int test_main(void) {");
@scopes = ([]);
new_var(1, 2);
stmts(1, 6 + rnd(5), 3, 0);
line(1, "printf(\"h$_ %lu\\n\", await h$_(" . rnd(9) . "ul, " . rnd(9) . "ul));") for 0 .. $nhelpers - 1;
my @top = @{$scopes[0]};
close_scope(1);
line(1, "return (int)((" . join(' + ', @top) . ") % 256ul);");
line(0, "}");
line(0, "");
line(0, "#include \"harness_main.h\"");
print $out;
