#!/usr/bin/perl
# erase.pl: the sync erasure of an .ac file, independent of acc.
#
#   perl erase.pl FILE.ac > FILE.c
#
# Every `async` and `await` that is a whole token of the program is replaced
# by as many spaces, so lines and columns stay where they were.  Comments,
# string literals, character literals and the header name of an #include are
# copied untouched, as are identifiers that merely contain the words
# (my_async, awaiter).  The input is read as bytes; the output has the same
# length.
use strict;
use warnings;

local $/;
my $src = <>;
die "erase.pl: no input\n" unless defined $src;

my $out = '';
my $bol = 1;   # at the beginning of a line, ignoring blanks
pos($src) = 0;
while (pos($src) < length $src) {
  if ($src =~ /\G(\/\/(?:[^\n\\]|\\.)*)/gcs) {          # line comment
    $out .= $1;
  } elsif ($src =~ /\G(\/\*.*?\*\/)/gcs) {              # block comment
    $out .= $1;
  } elsif ($src =~ /\G((?:u8|u|U|L)?"(?:[^"\\\n]|\\.)*")/gcs) {   # string
    $out .= $1; $bol = 0;
  } elsif ($src =~ /\G((?:u|U|L)?'(?:[^'\\\n]|\\.)*')/gcs) {      # char
    $out .= $1; $bol = 0;
  } elsif ($bol && $src =~ /\G(#[ \t]*include[^\n]*)/gc) { # header name
    $out .= $1; $bol = 0;
  } elsif ($src =~ /\G(\n)/gc) {
    $out .= $1; $bol = 1;
  } elsif ($src =~ /\G([ \t\r\f\v]+)/gc) {
    $out .= $1;
  } elsif ($src =~ /\G([A-Za-z_][A-Za-z0-9_]*)/gc) {   # identifier or keyword
    my $w = $1;
    $out .= ($w eq 'async' || $w eq 'await') ? ' ' x length $w : $w;
    $bol = 0;
  } elsif ($src =~ /\G([0-9.][A-Za-z0-9_.]*(?:[eEpP][+-][A-Za-z0-9_.]*)*)/gc) {
    $out .= $1; $bol = 0;                                # pp-number
  } elsif ($src =~ /\G(.)/gcs) {
    $out .= $1; $bol = 0;
  }
}
print $out;
