#!/usr/bin/perl
# erase.pl: the sync erasure of an .ac file, independent of acc.
#
#   perl erase.pl FILE.ac > FILE.c
#
# Every `async` and `await` that is a keyword is replaced by as many spaces,
# so lines and columns stay where they were.  The words are contextual
# (docs/language.md), and this script has its own reading of the rule, made
# for the test programs: `async` is the keyword when a word follows it
# (`static async int f`), not after `.` or `->`; `await` is the keyword
# inside the body of a function declared async, or on a #define line, when
# an operand follows (a word, a constant, `(`, a prefix operator), not after
# `.` or `->`.  Everywhere else they are names and stay.  Comments, string
# literals, character literals and the header name of an #include are
# copied untouched, as are identifiers that merely contain the words
# (my_async, awaiter).  A keyword spelled across a line splice (`aw\`,
# newline, `ait`) is blanked around the splice.  The input is read as bytes; the output has the same
# length.
use strict;
use warnings;

local $/;
my $src = <>;
die "erase.pl: no input\n" unless defined $src;

my $out = '';
my $bol = 1;        # at the beginning of a line, ignoring blanks
my $define = 0;     # on a #define line (until its unspliced end)
my $depth = 0;      # braces open
my $armed = 0;      # an async keyword at file scope: its body comes next
my $body = 0;       # the depth of the async body we are in, 0 outside
my $prev = '';      # the last token

# The text after the current position, past blanks and comments.
sub ahead {
  my $rest = substr($src, pos($src), 400);
  $rest =~ s/^(?:\s|\\\n|\/\*.*?\*\/|\/\/[^\n]*)+//s;
  return $rest;
}

pos($src) = 0;
while (pos($src) < length $src) {
  if ($src =~ /\G(\/\/(?:[^\n\\]|\\.)*)/gcs) {          # line comment
    $out .= $1;
  } elsif ($src =~ /\G(\/\*.*?\*\/)/gcs) {              # block comment
    $out .= $1;
  } elsif ($src =~ /\G((?:u8|u|U|L)?"(?:[^"\\\n]|\\.)*")/gcs) {   # string
    $out .= $1; $bol = 0; $prev = '"';
  } elsif ($src =~ /\G((?:u|U|L)?'(?:[^'\\\n]|\\.)*')/gcs) {      # char
    $out .= $1; $bol = 0; $prev = "'";
  } elsif ($bol && $src =~ /\G(#[ \t]*include[^\n]*)/gc) { # header name
    $out .= $1; $bol = 0;
  } elsif ($bol && $src =~ /\G(#[ \t]*define\b)/gc) {
    $out .= $1; $bol = 0; $define = 1;
  } elsif ($src =~ /\G(\\\n)/gc) {                      # line splice
    $out .= $1;
  } elsif ($src =~ /\G(\n)/gc) {
    $out .= $1; $bol = 1; $define = 0;
  } elsif ($src =~ /\G([ \t\r\f\v]+)/gc) {
    $out .= $1;
  } elsif ($src =~ /\G([A-Za-z_](?:[A-Za-z0-9_]|\\\n)*)/gc) { # identifier
    my $spelled = $1;             # with any line splices inside it
    (my $w = $spelled) =~ s/\\\n//g;
    my $member = $prev eq '.' || $prev eq '->';
    my $next = ahead();
    my $kw = 0;
    if ($w eq 'async' && !$member && $next =~ /^[A-Za-z_]/) {
      $kw = 1;
      $armed = 1 if $depth == 0 && !$define;
    } elsif ($w eq 'await' && !$member && ($body || $define) &&
             $next =~ /^(?:[A-Za-z0-9_"'(~]|\.[0-9]|[*!](?!=)|[-+&](?![=>]))/) {
      $kw = 1;
    }
    (my $blank = $spelled) =~ s/[^\n\\]/ /g;  # the splices stay: same lines
    $out .= $kw ? $blank : $spelled;
    $bol = 0; $prev = $w;
  } elsif ($src =~ /\G([0-9.][A-Za-z0-9_.]*(?:[eEpP][+-][A-Za-z0-9_.]*)*)/gc) {
    $out .= $1; $bol = 0; $prev = $1;                    # pp-number
  } elsif ($src =~ /\G(->)/gc) {
    $out .= $1; $bol = 0; $prev = $1;
  } elsif ($src =~ /\G(.)/gcs) {
    my $c = $1;
    $out .= $c; $bol = 0; $prev = $c;
    next if $define;
    if ($c eq '{') {
      $depth++;
      if ($armed && $depth == 1) { $body = 1; $armed = 0; }
    } elsif ($c eq '}') {
      $body = 0 if $body && $depth == 1;
      $depth-- if $depth > 0;
    } elsif ($c eq ';' && $depth == 0) {
      $armed = 0;                                        # a prototype
    }
  }
}
print $out;
