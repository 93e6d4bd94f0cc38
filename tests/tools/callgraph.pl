#!/usr/bin/perl
# callgraph.pl [-x FILE,...] OBJ...: the cross-file call graph of a program,
# from `nm` on its objects.  File a calls file b when a.o leaves a symbol
# undefined that b.o defines (a call, or a function or variable whose
# address it takes).
# callgraph.pl -i HEADER...: the include graph of headers instead, from
# their `#include "..."` lines.
#
# Prints one line per file that calls (includes) others, "a -> b c ...",
# both sorted, wrapped at 78 columns under the first callee, leaving out
# the callees named with -x (the utilities nearly every file uses); then
# one line per cycle, "cycle: a b ...": each strongly connected component
# of two files or more, found with the -x files included (a cycle through
# util.c is still a cycle).  docs/internals.md §6 shows the output.
use strict;
use warnings;

my (%omit, %edge, %node);
if (@ARGV && $ARGV[0] eq '-x') {
  shift;
  $omit{$_} = 1 for split /,/, shift;
}
if (@ARGV && $ARGV[0] eq '-i') {
  shift;
  for my $h (@ARGV) {
    (my $f = $h) =~ s{.*/}{};
    $node{$f} = 1;
    open(my $in, '<', $h) or die "$h: $!\n";
    while (<$in>) {
      $edge{$f}{$1} = 1 if /^\s*#\s*include\s+"([^"]+)"/ && $1 ne $f;
    }
    close $in;
  }
} else {
  my (%def, %use);
  for my $obj (@ARGV) {
    (my $f = $obj) =~ s{.*/}{};
    $f =~ s/\.o$//;
    $node{$f} = 1;
    open(my $nm, '-|', 'nm', '-P', $obj) or die "nm $obj: $!\n";
    while (<$nm>) {
      my ($sym, $type) = split;
      next unless defined $type;
      if ($type eq 'U') { $use{$f}{$sym} = 1 }
      elsif ($type =~ /^[TDBRCGSV]$/) { $def{$sym} = $f }
    }
    close $nm or die "nm $obj failed\n";
  }
  for my $f (keys %use) {
    for my $sym (keys %{$use{$f}}) {
      my $g = $def{$sym};
      $edge{$f}{$g} = 1 if defined $g && $g ne $f;
    }
  }
}
die "callgraph.pl: no input\n" unless %node;

for my $f (sort keys %edge) {
  my @to = grep { !$omit{$_} } sort keys %{$edge{$f}};
  next unless @to;
  my $head = sprintf('%-13s -> ', $f);
  my $line = $head;
  for my $t (@to) {
    if (length($line) + length($t) > 78 && $line ne $head) {
      $line =~ s/ $//;
      print "$line\n";
      $line = ' ' x length($head);
    }
    $line .= "$t ";
  }
  $line =~ s/ $//;
  print "$line\n";
}

# Tarjan's strongly connected components.
my ($index, @stack, %idx, %low, %on, @sccs) = (0);
sub visit {
  my ($v) = @_;
  $idx{$v} = $low{$v} = $index++;
  push @stack, $v;
  $on{$v} = 1;
  for my $w (sort keys %{$edge{$v} // {}}) {
    if (!exists $idx{$w}) {
      visit($w);
      $low{$v} = $low{$w} if $low{$w} < $low{$v};
    } elsif ($on{$w}) {
      $low{$v} = $idx{$w} if $idx{$w} < $low{$v};
    }
  }
  return unless $low{$v} == $idx{$v};
  my @scc;
  while (1) {
    my $w = pop @stack;
    delete $on{$w};
    push @scc, $w;
    last if $w eq $v;
  }
  push @sccs, [sort @scc] if @scc > 1;
}
for my $v (sort keys %node) { visit($v) unless exists $idx{$v} }
print "cycle: @$_\n" for sort { "@$a" cmp "@$b" } @sccs;
