#!/usr/bin/perl
# mutate.pl SEED FILE: prints FILE with a few random edits, chosen by SEED.
# The edits are the mistakes people make and the shapes that break parsers:
# a token deleted, duplicated or swapped, a keyword (async, await, ...) or a
# bracket dropped in, a line cut short.  Deterministic for a given SEED.
use strict;
use warnings;

my ($seed, $file) = @ARGV;
srand($seed);
open(my $fh, '<', $file) or die "mutate.pl: $file: $!\n";
my $text = do { local $/; <$fh> };
close $fh;

my @extra = ('async', 'await', 'await await', '{', '}', '(', ')', ';', ',',
             'static', 'int', 'goto L;', 'L:', 'case 1:', 'break;',
             'sizeof', '_Generic(', 'return', '*', '&&', '?', ':', '[',
             ']', '"', "'", '/*', '#', '0x', '1.e', 'typedef int T;');

sub tokens { my @t = ($_[0] =~ /(\w+|\s+|.)/gs); return @t; }

my @t = tokens($text);
my $edits = 1 + int(rand(3));
for (1 .. $edits) {
  last unless @t;
  my $i = int(rand(@t));
  my $op = int(rand(6));
  if ($op == 0) { splice(@t, $i, 1 + int(rand(4))); }                 # delete
  elsif ($op == 1) { splice(@t, $i, 0, @t[$i .. min($i + 3, $#t)]); } # duplicate
  elsif ($op == 2) { my $j = int(rand(@t)); @t[$i, $j] = @t[$j, $i]; } # swap
  elsif ($op == 3) { splice(@t, $i, 0, ' ', $extra[rand @extra], ' '); } # insert
  elsif ($op == 4) { $t[$i] = $extra[rand @extra]; }                  # replace
  else { splice(@t, $i); }                                            # cut
}
print join('', @t);

sub min { return $_[0] < $_[1] ? $_[0] : $_[1]; }
