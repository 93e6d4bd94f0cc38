#!/usr/bin/perl
# csmith2ac.pl: turns a csmith program into an async program for the
# differential suite.
#
#   csmith --seed N ... -o prog.c && perl csmith2ac.pl prog.c > prog.ac
#
# - every csmith function func_N becomes `static async`, and every call of
#   one is awaited;
# - every `return` inside them is preceded by `await leaf_v();` and every
#   body starts with one, so that with suspending test leaves every call
#   really suspends;
# - csmith's main becomes the harness's `async int test_main(void)` (the
#   hash of the globals is printed as csmith prints it), and the program
#   gets the harness includes.
# The sync erasure of the result is the csmith program itself (plus the
# harness), so its checksum is csmith's.
use strict;
use warnings;

local $/;
my $src = <>;

# Split off main: everything from "int main" on.
my ($body, $main) = $src =~ /\A(.*?)(^int main\b.*)\z/ms
  or die "csmith2ac.pl: no main\n";

# Prototypes and definitions of the csmith functions.
$body =~ s/^static(\s+[^\n(]*?\bfunc_\d+\s*\()/static async$1/mg;

# Calls: an identifier func_N followed by "(", not in a declarator line.
my @out;
my $in_func = 0;
for my $line (split /\n/, $body, -1) {
  if ($line =~ /^static async\b/) {
    push @out, $line;
    $in_func = $line !~ /;\s*$/;   # a definition, not a prototype
    next;
  }
  if ($in_func && $line =~ s/^\{/{ await leaf_v();/) {
    push @out, $line;
    $in_func = 0;
    next;
  }
  $line =~ s/\b(func_\d+)\s*\(/await $1(/g;
  $line =~ s/\breturn\b([^;]*);/{ await leaf_v(); return$1; }/g;
  push @out, $line;
}
$body = join "\n", @out;

$main =~ s/^int main\b[^\n]*/async int test_main(void)/m;
$main =~ s/^\s*if \(argc == 2[^\n]*\n//m;
$main =~ s/\b(func_\d+)\s*\(/await $1(/g;

print "/* Generated from a csmith program by tests/diff/gen/csmith2ac.pl. */\n";
print "#include \"harness.h\"\n";
print $body, $main;
print "\n#include \"harness_main.h\"\n";
