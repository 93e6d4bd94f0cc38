/*
 * tokmap.h: the token map, from each token of the preprocessed buffer to
 * where the user wrote it in the .ac file (tokmap.c), and the copy of a
 * buffer range in the user's own spelling built on it.
 */
#ifndef TOKMAP_H
#define TOKMAP_H

#include "acc.h"
#include "preprocess.h"

/* Offsets in the map are 32-bit, as a map of a large file is mostly its
   records (acc_translate refuses inputs of 4 GiB or more). */
#define TOKMAP_NONE ((size_t)UINT32_MAX)

/* One token of the buffer: 24 bytes, as a large file has millions (the
   spelling of a macro argument's token is in TokMap.spells). */
typedef struct MapTok {
  uint32_t begin, end; /* its bytes in the buffer */
  int unit;           /* the unit it belongs to; -1: a header's, or unmatched */
  int line, col;      /* presumed line; physical column of where it is
                         written (the invocation for a macro's own tokens) */
  unsigned file : 29; /* presumed file (index in TokMap.files) */
  unsigned main : 1;  /* expanded in the main file, not in a header */
  unsigned scratch : 1;  /* spelled by clang (#, ##, __LINE__) */
  unsigned from_def : 1; /* spelled in a macro definition */
} MapTok;

/* Where a token from a macro argument is spelled in the .ac. */
typedef struct TokSpell {
  int tok;                   /* its index in TokMap.toks */
  uint32_t begin, end;       /* its spelling in the .ac file */
} TokSpell;

/* A token written directly in the .ac, or a whole macro invocation. */
typedef struct TokUnit {
  uint32_t ac_begin, ac_end; /* its bytes in the .ac file */
  int first, last;         /* its tokens in the buffer (inclusive) */
  int delta;               /* presumed line minus physical line */
  unsigned file : 31;      /* presumed file */
  unsigned is_macro : 1;
} TokUnit;

/* A directive line of the .ac file. */
typedef struct AcDirective {
  size_t begin, end;       /* its bytes, to the newline (excluded) */
  char kind;               /* 'd' define, 'u' undef, 'p' pragma, 'l' line,
                              'i' #if/#ifdef/#ifndef, 'e' #else/#elif,
                              'n' #endif, 'o' any other */
  int line;                /* its physical line */
  bool tokens_after;       /* raw tokens follow it before the next one */
} AcDirective;

typedef struct TokMap {
  const char *ac;          /* the .ac file's bytes */
  size_t ac_len;
  size_t *ac_lines;        /* the offset of each physical line */
  int ac_nlines;
  MapTok *toks;
  int ntoks, captoks;
  TokUnit *units;
  int nunits, capunits;
  int (*unit_raw)[2];      /* while the map is built: each unit's first and
                              last raw tokens of the .ac (inclusive) */
  TokSpell *spells;        /* the tokens macro arguments spell, in order */
  int nspells, capspells;
  AcDirective *dirs;
  int ndirs;
  Vec files;               /* char*: presumed file names; 0 is the .ac */
  int matched, unmatched;  /* main-file units found, and not found */
  bool aligned;            /* the dump and the buffer agreed to the end */
} TokMap;

/* Builds the map of src from the .ac file's bytes and clang's token dump
   (NULL: no dump, every token then copies as the buffer spells it). */
TokMap *tokmap_build(const Source *src, const char *ac, size_t ac_len,
                     const char *dump, size_t dump_len);

/* The same from the token origins of the preprocessor run inside acc
   (preprocess.h): no = how many, in the buffer's token order. */
TokMap *tokmap_build_origins(const Source *src, const char *ac,
                             size_t ac_len, const TokOrigin *o, int no);

/* The index of the token that starts at or contains buffer offset off;
   -1 when off is past the last token. */
int tokmap_find(const TokMap *m, size_t off);

/* Where token k is spelled in the .ac when a macro argument writes it
   (the end in *end), TOKMAP_NONE otherwise. */
size_t tokmap_spell(const TokMap *m, int k, size_t *end);

/* What a copy writes for the token at [begin, end): `text` in place of the
   tokens from it up to buffer offset `upto` (end itself for one token), or
   NULL text to write the token as the user spelled it. */
typedef struct TokSubst {
  const char *text;
  size_t upto;
} TokSubst;
typedef TokSubst (*TokSubstFn)(void *ctx, size_t begin, size_t end);

/*
 * Appends the text of buffer range [begin, end) to out: each unit wholly
 * inside the range as written in the .ac (macro invocations unexpanded,
 * comments and line breaks between them kept), the other tokens as the
 * buffer spells them.  subst (may be NULL) is asked for every token, in
 * order; a macro invocation holding a replaced token is written with the
 * replacement at the argument's spelling when the replaced tokens all come
 * from its arguments and none of its tokens is stringified or pasted, and
 * as its expansion otherwise.  A line break copied from the .ac is followed
 * by the line mark of the next line (tokmap_mark).
 */
void tokmap_copy(const TokMap *m, const Source *src, size_t begin,
                 size_t end, TokSubstFn subst, void *ctx, Str *out);

/*
 * The directives to keep between buffer tokens a and b (consecutive, or
 * a = -1): the .ac's #define, #undef and #pragma lines that stand outside
 * any conditional, whole conditionals that hold only directives (the
 * compiler decides them again), and the pragma lines that _Pragma made.
 * Each on its own line; "" if none.
 */
const char *tokmap_gap_directives(const TokMap *m, const Source *src, int a,
                                  int b);

/* The first and last unit of buffer range [begin, end) (a region of the
   .ac to replace); false unless both ends are matched tokens of the main
   file. */
bool tokmap_units(const TokMap *m, size_t begin, size_t end, int *u0,
                  int *u1);

/* The physical line (1-based) of .ac byte `off` (the last line past the
   end). */
int tokmap_ac_line(const TokMap *m, size_t off);

/* The presumed file and line of .ac byte `ac_off`, which lies in or after
   unit u (before the next directive). */
void tokmap_presumed(const TokMap *m, int u, size_t ac_off, int *file,
                     int *line);

/*
 * Line marks: the translator's text carries, after a line break, which
 * .ac line the next line comes from; emit_c turns them into #line
 * directives.  A mark is "\x01FILE:LINE\x02", FILE an index in
 * TokMap.files.  Text without marks keeps the line of the last mark.
 */
#define TOKMAP_MARK '\x01'
#define TOKMAP_MARK_END '\x02'
const char *tokmap_mark(int file, int line);
/* The same, appended to out (no string of its own: a copy of the user's
   text puts one after every line break). */
void tokmap_put_mark(Str *out, int file, int line);
/* The lines after "\x03" are generated code (emit_c's scaffolding); after
   "\x04FILE:LINE\x02" the .ac's own text, from LINE on. */
#define TOKMAP_SCAFFOLD '\x03'
#define TOKMAP_VERBATIM '\x04'
const char *tokmap_verbatim(int file, int line);
/* The text without its line marks. */
const char *tokmap_strip_marks(const char *text);

/* ==== emit_lines.c ==== */

/* The marked output text `in` as C, with the #line directives its marks
   call for (none with no_line); scaffolding points at out_name. */
void emit_lines(const Str *in, const TokMap *m, const char *out_name,
                bool no_line, Str *out);
/* The same a piece at a time, so the marked text need not be whole at
   once: feed writes the finished lines of `in` and takes them out of it
   (the unfinished last line stays), end writes the rest and frees the
   writer.  With fd >= 0 the C goes to that file as it is made (out holds
   only the last lines meanwhile, and nothing after end), so the output is
   never whole in memory either; end returns 0, or the errno of a failed
   write. */
typedef struct Lines LineWriter;
LineWriter *emit_lines_start(const TokMap *m, const char *out_name,
                             bool no_line, int fd, Str *out);
void emit_lines_feed(LineWriter *L, Str *in);
int emit_lines_end(LineWriter *L, const Str *in);
/* The index of a presumed file name, added if new. */
int tokmap_file_index(TokMap *m, const char *name);

#endif /* TOKMAP_H */
