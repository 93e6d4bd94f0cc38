#!/usr/bin/perl
# doc_examples.pl ROOT BUILD ACC FILE.md...: runs the checked examples of
# the docs and compares what they print with what the docs show.
#
# A checked example is a fenced block whose info string is `console`:
#
#   ```console
#   $ build/acc --emit=states samples/hello.ac
#   print_async (line 8): Start, Done
#   ...
#   ```
#
# Each `$ ` line is a command; a command goes on over the next lines while
# its line ends in `\` or `|`.  The lines up to the next command are its
# expected output (standard output and error together).  In them, a line
# `...` stands for any number of lines and `…` for any text within a line;
# trailing blanks do not count, and a run of blanks inside a line counts
# as one.  A command must exit 0 (write
# `cmd || echo "exit $?"` to show a failure).  Blocks fenced as `sh`, `c`
# and so on are not run: use them for commands that name files the reader
# has and the tree does not (server.ac).
#
# A block fenced as `c from: COMMAND` shows an excerpt of what COMMAND
# prints (the generated C of a sample):
#
#   ```c from: acc samples/hello.ac -o -
#   static void hello__drop(void *ac__self) {
#   ...
#   ```
#
# It is checked as a console example of that command whose expected output
# is the block between two `...` lines: the block's lines must appear in
# the output in order, with the same `...`/`…` rules.
#
# The commands of one file run in order, in one scratch folder laid out
# like the top of the tree: samples/ copied (commands may write there),
# build/, mk/ and runtime/ linked to the real ones, `acc` on the PATH (the
# one under test), and `cc` adding $SAN so an instrumented runtime links.
# make's "Entering/Leaving directory" lines are dropped from the output.
#
# Prints "[PASS] FILE:LINE CMD" or "[FAIL] ..." with both outputs, then
# "docs: N passed, M failed".
use strict;
use warnings;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my ($root, $build, $acc, @files) = @ARGV;
die "usage: doc_examples.pl ROOT BUILD ACC FILE.md...\n" unless @files;
$root = abs_path($root);
$build = abs_path($build);
$acc = abs_path($acc);
my ($pass, $fail) = (0, 0);

# [line, command, [expected lines]] for every command of a file's blocks.
sub examples {
  my ($file) = @_;
  open my $fh, '<', $file or die "$file: $!\n";
  my @lines = <$fh>;
  chomp @lines;
  my (@ex, $in, $cur, $cont);
  for my $i (0 .. $#lines) {
    my $l = $lines[$i];
    if (!$in) {
      $in = 1 if $l =~ /^```console\s*$/;
      if ($l =~ /^```c from: (.*\S)\s*$/) {
        $cur = [$i + 1, $1, ['...']];
        push @ex, $cur;
        $in = 2;
      }
      next;
    }
    if ($in == 2) {
      if ($l =~ /^```\s*$/) {
        push @{$cur->[2]}, '...';
        ($in, $cur) = (0, undef);
      } else {
        push @{$cur->[2]}, $l;
      }
      next;
    }
    if ($l =~ /^```\s*$/) {
      ($in, $cur, $cont) = (0, undef, 0);
      next;
    }
    if ($cont) {
      $cur->[1] .= "\n$l";
      $cont = $l =~ /(\\|\|)\s*$/;
    } elsif ($l =~ /^\$ (.*)$/) {
      $cur = [$i + 1, $1, []];
      push @ex, $cur;
      $cont = $1 =~ /(\\|\|)\s*$/;
    } elsif ($cur) {
      push @{$cur->[2]}, $l;
    } else {
      die "$file:" . ($i + 1) . ": output before any command in a console block\n";
    }
  }
  return @ex;
}

# Does expected (with `...` and `…`) match the actual lines?
sub line_ok {
  my ($want, $got) = @_;
  my $re = join '.*', map { quotemeta } split /…/, $want, -1;
  return $got =~ /^$re$/;
}
sub lines_ok {
  my ($want, $got) = @_;
  return !@$got if !@$want;
  my ($w, @wrest) = @$want;
  if ($w eq '...') {
    for my $k (0 .. scalar @$got) {
      return 1 if lines_ok(\@wrest, [@$got[$k .. $#$got]]);
    }
    return 0;
  }
  return 0 unless @$got && line_ok($w, $got->[0]);
  return lines_ok(\@wrest, [@$got[1 .. $#$got]]);
}

# Trailing blanks dropped, runs of blanks inside a line made one (make's
# echo of a rule keeps the blanks of empty variables).
sub squeeze {
  my ($l) = @_;
  $l =~ s/\s+$//;
  $l =~ s/(\S)[ \t]+/$1 /g;
  return $l;
}

sub scratch {
  my $t = tempdir(CLEANUP => 1);
  system('cp', '-R', "$root/samples", "$t/samples") == 0 or die;
  symlink("$root/$_", "$t/$_") or die for qw(mk runtime);
  symlink($build, "$t/build") or die;
  mkdir "$t/bin";
  symlink($acc, "$t/bin/acc") or die;
  # The wrapper must not find itself: it runs cc on the caller's PATH.
  open my $cc, '>', "$t/bin/cc" or die;
  print $cc "#!/bin/sh\nPATH=\$ACC_DOC_PATH exec cc \$ACC_DOC_SAN \"\$@\"\n";
  close $cc;
  chmod 0755, "$t/bin/cc";
  return $t;
}

$ENV{ACC_DOC_SAN} = $ENV{SAN} // '';
$ENV{ACC_DOC_PATH} = $ENV{PATH};
# What the test runner exports would change what the commands do.
delete $ENV{$_} for qw(MAKEFLAGS MAKELEVEL MFLAGS CC ACC ROOT BUILD SAN);
for my $file (@files) {
  my $name = $file =~ s{.*/}{}r;
  my $t = scratch();
  local $ENV{PATH} = "$t/bin:$ENV{ACC_DOC_PATH}";
  for my $ex (examples($file)) {
    my ($line, $cmd, $want) = @$ex;
    my $out = `cd '$t' && ( $cmd
) 2>&1`;
    my $status = $? >> 8;
    my @got = grep { !/^make(\[\d+\])?: (Entering|Leaving) directory/ }
              map { squeeze($_) } split /\n/, $out;
    my @want = map { squeeze($_) } @$want;
    my $short = (split /\n/, $cmd)[0];
    if ($status == 0 && lines_ok(\@want, \@got)) {
      $pass++;
      print "[PASS] $name:$line $short\n";
    } else {
      $fail++;
      print "[FAIL] $name:$line $short (exit $status)\n";
      print "  expected:\n", map({ "    | $_\n" } @want);
      print "  got:\n", map({ "    | $_\n" } @got);
    }
  }
}
print "docs: $pass passed, $fail failed\n";
exit($fail ? 1 : 0);
