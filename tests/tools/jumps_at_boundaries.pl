#!/usr/bin/perl
# jumps_at_boundaries.pl: for tests/suites/runtime_build.sh.
# Counts the jumps in `objdump -d -w` output and those that cross or end on
# a 32-byte boundary; prints "JUMPS BAD".
my ($jumps, $bad) = (0, 0);
while (<>) {
  next unless /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t\s*(\S+)/;
  my ($start, $bytes, $op) = (hex $1, $2, $3);
  next unless $op =~ /^j/;
  my @b = split ' ', $bytes;
  my $end = $start + @b;
  $jumps++;
  $bad++ if int($start / 32) != int(($end - 1) / 32) || $end % 32 == 0;
}
print "$jumps $bad\n";
