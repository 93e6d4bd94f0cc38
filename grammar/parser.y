/*
 * parser.y: C11 (ISO/IEC 9899:2011 §6.5-6.9) with the GNU extensions of
 * system headers and acc's `async`/`await`, as a bison LALR(1) grammar.
 *
 * The nonterminals keep the standard's names and order, one banner per
 * section; GNU extensions and async/await sit in their own labelled blocks
 * at the end.  Every action is one call to a builder in translator/ast.c or
 * ast_decl.c (or a scope.c call), so no logic lives here.
 *
 * Typedef names: the lexer asks scope.c whether an identifier names a
 * typedef in the innermost scope that declares it, and returns TYPEDEF_NAME
 * or IDENT.  The grammar declares each name as soon as its declarator is
 * reduced (declarator_decl), opens a scope at every `{` and at every `(` of
 * a declarator (save_scope, shared by parameter lists and parenthesized
 * declarators so that they do not conflict), and re-opens a function's
 * parameter scope for its body (function_begin).  After a syntax error
 * the parser resumes at the next `;` of the enclosing block or file, and
 * ast_recover() unwinds the scopes to that block's.  To let a declaration
 * redeclare a typedef name (`typedef int T; void f(void) { long T; }`),
 * declaration specifiers are split, as in jhjourdan's C11parser, into lists
 * holding one typedef name, one struct/union/enum/typeof specifier, or only
 * basic type keywords: after a type specifier, a TYPEDEF_NAME can only be
 * the declarator's name.  See grammar/README.md.
 */

/* A pure parser and a reentrant scanner: no globals shared with the lexer. */
%define api.pure full
/* Locations are byte ranges of the preprocessed buffer, not lines. */
%define api.location.type {Span}
%locations
/* Messages name the token found and the ones expected, worded by
   translator/syntax_error.c. */
%define parse.error custom
/* The scanner handle is passed to yylex, the parser state to actions. */
%param {yyscan_t scanner}
%parse-param {Parser *p}

/*
 * Three shift/reduce conflicts, each settled by bison's default (shift):
 * - the dangling else: in `if (a) if (b) s; else t;` the else binds to the
 *   inner if, as 6.8.4.1 says;
 * - twice (`declarator: direct_declarator` and `pointer direct_declarator`):
 *   an `__attribute__` after a function declarator belongs to that
 *   declarator, not to a first K&R parameter declaration starting with it.
 * Every other ambiguity of C is settled by the typedef feedback and the
 * split declaration specifiers below.
 */
%expect 3

%code requires {
#include "parse.h"
typedef void *yyscan_t;
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include <string.h>

/* Deep nesting is bounded by ACC_MAX_NESTING (the lexer's check), not by
   bison's default stack of 10000 entries: one parenthesis takes about
   seventeen of them, one per level of C's expression grammar. */
#define YYMAXDEPTH (ACC_MAX_NESTING * 24 + 10000)

static void yyerror(YYLTYPE *loc, yyscan_t scanner, Parser *p,
                    const char *msg) {
  (void)scanner;
  ast_syntax_error(p, *loc, msg);
}
/* A node's range runs from its first non-empty child to its last. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) ((Cur) = span_join(&YYRHSLOC(Rhs, 0), N))
}

%union {
  Node *node;
  Decl *decl;
  DeclSpec *spec;
  Declarator *dtor;
  ParamList *params;
  Vec *vec;
  const char *str;
  SpecWhat what;
}

/* The arena owns every value: nothing to free when bison discards one. */

%token <str> IDENT "identifier" TYPEDEF_NAME "typedef name"
%token CONSTANT "constant" STRING_LITERAL "string literal"
%token AUTO "auto" BREAK "break" CASE "case" CHAR "char" CONST "const"
%token CONTINUE "continue" DEFAULT "default" DO "do" DOUBLE "double"
%token ELSE "else" ENUM "enum" EXTERN "extern" FLOAT "float" FOR "for"
%token GOTO "goto" IF "if" INLINE "inline" INT "int" LONG "long"
%token REGISTER "register" RESTRICT "restrict" RETURN "return"
%token SHORT "short" SIGNED "signed" SIZEOF "sizeof" STATIC "static"
%token STRUCT "struct" SWITCH "switch" TYPEDEF "typedef" UNION "union"
%token UNSIGNED "unsigned" VOID "void" VOLATILE "volatile" WHILE "while"
%token ALIGNAS "_Alignas" ALIGNOF "_Alignof" ATOMIC "_Atomic" BOOL "_Bool"
%token COMPLEX "_Complex" GENERIC "_Generic" IMAGINARY "_Imaginary"
%token NORETURN "_Noreturn" STATIC_ASSERT "_Static_assert"
%token THREAD_LOCAL "_Thread_local"
%token ELLIPSIS "..." ARROW "->" INC "++" DEC "--" SHL "<<" SHR ">>"
%token LE "<=" GE ">=" EQ "==" NE "!=" ANDAND "&&" OROR "||"
%token MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%=" ADD_ASSIGN "+="
%token SUB_ASSIGN "-=" SHL_ASSIGN "<<=" SHR_ASSIGN ">>=" AND_ASSIGN "&="
%token XOR_ASSIGN "^=" OR_ASSIGN "|="
/* GNU */
%token ATTRIBUTE "__attribute__" ASM "__asm__" TYPEOF "__typeof__"
%token EXTENSION "__extension__" VA_ARG "__builtin_va_arg"
%token OFFSETOF "__builtin_offsetof"
%token TYPES_COMPATIBLE "__builtin_types_compatible_p"
%token LOCAL_LABEL "__label__" INT128 "__int128" AUTO_TYPE "__auto_type"
%token REAL "__real__" IMAG "__imag__" FLOATN "_FloatN"
/* acc */
%token ASYNC "async" AWAIT "await"

%type <str> general_identifier
%type <node> primary_expression postfix_expression unary_expression
%type <node> cast_expression multiplicative_expression additive_expression
%type <node> shift_expression relational_expression equality_expression
%type <node> and_expression exclusive_or_expression inclusive_or_expression
%type <node> logical_and_expression logical_or_expression
%type <node> conditional_expression assignment_expression expression
%type <node> expression_opt constant_expression generic_selection
%type <node> generic_association gnu_primary_expression gnu_unary_expression
%type <node> await_expression typeof_specifier
%type <node> initializer braced_initializer initializer_item
%type <node> declaration static_assert_declaration function_definition
%type <node> unique_type_specifier struct_or_union_specifier enum_specifier
%type <node> array_size
%type <node> statement labeled_statement compound_statement
%type <node> expression_statement selection_statement iteration_statement
%type <node> jump_statement block_item for_init asm_statement
%type <node> external_declaration
%type <vec> argument_expression_list argument_expression_list_opt
%type <vec> generic_assoc_list initializer_list init_declarator_list
%type <vec> init_declarator_list_opt block_item_list_opt
%type <vec> external_declarations identifier_list kr_declaration_list
%type <vec> asm_sections asm_operands_opt asm_operands
%type <vec> struct_declarator_list_opt struct_declarator_list
%type <dtor> struct_declarator
%type <node> asm_operand
%type <decl> init_declarator declarator_decl parameter_declaration
%type <spec> declaration_specifiers decl_specs ds_none ds_typedef ds_unique
%type <spec> ds_basic specifier_qualifier_list sq_none sq_typedef sq_unique
%type <spec> sq_basic
%type <what> declaration_qualifier storage_class_specifier type_qualifier
%type <what> function_specifier type_qualifier_x async_pointer_specifier
%type <dtor> declarator direct_declarator paren_declarator paren_direct
%type <dtor> abstract_declarator abstract_declarator_opt
%type <dtor> direct_abstract_declarator
%type <params> parameter_type_list parameter_type_list_opt parameter_list

%start translation_unit

%%

/* ==== 6.4 Lexical elements ==== */

/* A declarator or member may reuse a typedef's name (6.2.3). */
general_identifier
  : IDENT
  | TYPEDEF_NAME
  ;

string_literal
  : STRING_LITERAL
  | string_literal STRING_LITERAL
  ;

/* ==== 6.5.1 Primary expressions ==== */

primary_expression
  : IDENT                     { $$ = ast_ident(@$, $1); }
  | CONSTANT                  { $$ = ast_leaf(ND_CONST, @$); }
  | string_literal            { $$ = ast_leaf(ND_STRING, @$); }
  | '(' expression ')'        { $$ = ast_paren(@$, $2); }
  | generic_selection
  | gnu_primary_expression
  ;

/* 6.5.1.1 Generic selection */
generic_selection
  : GENERIC '(' assignment_expression ',' generic_assoc_list ')'
                              { $$ = ast_generic(@$, $3, $5); }
  ;

generic_assoc_list
  : generic_association       { $$ = ast_list(NULL, $1); }
  | generic_assoc_list ',' generic_association { $$ = ast_list($1, $3); }
  ;

generic_association
  : type_name ':' assignment_expression
                              { $$ = ast_generic_assoc(@$, @1, $3); }
  | DEFAULT ':' assignment_expression
                              { $$ = ast_generic_assoc(@$, @1, $3); }
  ;

/* ==== 6.5.2 Postfix operators ==== */

postfix_expression
  : primary_expression
  | postfix_expression '[' expression ']'  { $$ = ast_index(@$, $1, $3); }
  | postfix_expression '(' argument_expression_list_opt ')'
                              { $$ = ast_call(@$, $1, $3); }
  | postfix_expression '.' general_identifier
                              { $$ = ast_member(ND_MEMBER, @$, $1, @3); }
  | postfix_expression "->" general_identifier
                              { $$ = ast_member(ND_ARROW, @$, $1, @3); }
  | postfix_expression "++"   { $$ = ast_postfix(ND_POSTINC, @$, @2, $1); }
  | postfix_expression "--"   { $$ = ast_postfix(ND_POSTDEC, @$, @2, $1); }
  | '(' type_name ')' braced_initializer
                   { $$ = ast_typed(ND_COMPOUND_LIT, @$, @1, @2, $4); }
  ;

argument_expression_list_opt
  : %empty                    { $$ = NULL; }
  | argument_expression_list
  ;

argument_expression_list
  : assignment_expression     { $$ = ast_list(NULL, $1); }
  | argument_expression_list ',' assignment_expression
                              { $$ = ast_list($1, $3); }
  ;

/* ==== 6.5.3 Unary operators ==== */

unary_expression
  : postfix_expression
  | "++" unary_expression     { $$ = ast_unary(ND_PREINC, @$, @1, $2); }
  | "--" unary_expression     { $$ = ast_unary(ND_PREDEC, @$, @1, $2); }
  | unary_operator cast_expression { $$ = ast_unary_tok(@$, @1, $2); }
  | "sizeof" unary_expression { $$ = ast_unary(ND_SIZEOF_EXPR, @$, @1, $2); }
  | "sizeof" '(' type_name ')'
                   { $$ = ast_typed(ND_SIZEOF_TYPE, @$, @1, @3, NULL); }
  | "_Alignof" '(' type_name ')'
                   { $$ = ast_typed(ND_ALIGNOF_TYPE, @$, @1, @3, NULL); }
  | "_Alignof" unary_expression
                   { $$ = ast_unary(ND_ALIGNOF_EXPR, @$, @1, $2); }
  | await_expression
  | gnu_unary_expression
  ;

unary_operator
  : '&' | '*' | '+' | '-' | '~' | '!'
  ;

/* ==== 6.5.4 Cast operators ==== */

cast_expression
  : unary_expression
  | '(' type_name ')' cast_expression
                   { $$ = ast_typed(ND_CAST, @$, @1, @2, $4); }
  ;

/* ==== 6.5.5-6.5.14 Binary operators ==== */

multiplicative_expression
  : cast_expression
  | multiplicative_expression '*' cast_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | multiplicative_expression '/' cast_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | multiplicative_expression '%' cast_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

additive_expression
  : multiplicative_expression
  | additive_expression '+' multiplicative_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | additive_expression '-' multiplicative_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

shift_expression
  : additive_expression
  | shift_expression "<<" additive_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | shift_expression ">>" additive_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

relational_expression
  : shift_expression
  | relational_expression '<' shift_expression  { $$ = ast_binop(@$, @2, $1, $3); }
  | relational_expression '>' shift_expression  { $$ = ast_binop(@$, @2, $1, $3); }
  | relational_expression "<=" shift_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | relational_expression ">=" shift_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

equality_expression
  : relational_expression
  | equality_expression "==" relational_expression { $$ = ast_binop(@$, @2, $1, $3); }
  | equality_expression "!=" relational_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

and_expression
  : equality_expression
  | and_expression '&' equality_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

exclusive_or_expression
  : and_expression
  | exclusive_or_expression '^' and_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

inclusive_or_expression
  : exclusive_or_expression
  | inclusive_or_expression '|' exclusive_or_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

logical_and_expression
  : inclusive_or_expression
  | logical_and_expression "&&" inclusive_or_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

logical_or_expression
  : logical_and_expression
  | logical_or_expression "||" logical_and_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

/* ==== 6.5.15 Conditional operator ==== */

conditional_expression
  : logical_or_expression
  | logical_or_expression '?' expression ':' conditional_expression
                              { $$ = ast_cond(@$, @2, $1, $3, $5); }
  | logical_or_expression '?' ':' conditional_expression  /* GNU */
                              { $$ = ast_cond(@$, @2, $1, NULL, $4); }
  ;

/* ==== 6.5.16 Assignment operators ==== */

assignment_expression
  : conditional_expression
  | unary_expression assignment_operator assignment_expression
                              { $$ = ast_binop(@$, @2, $1, $3); }
  ;

assignment_operator
  : '=' | "*=" | "/=" | "%=" | "+=" | "-=" | "<<=" | ">>=" | "&=" | "^=" | "|="
  ;

/* ==== 6.5.17 Comma operator ==== */

expression
  : assignment_expression
  | expression ',' assignment_expression { $$ = ast_binop(@$, @2, $1, $3); }
  ;

expression_opt
  : %empty                    { $$ = NULL; }
  | expression
  ;

/* ==== 6.6 Constant expressions ==== */

constant_expression
  : conditional_expression
  ;

/* ==== 6.7 Declarations ==== */

declaration
  : decl_specs init_declarator_list_opt ';'
                              { $$ = ast_declaration(p, @$, $1, $2); }
  | static_assert_declaration
  ;

/* The specifiers of a declaration whose declarators come next. */
decl_specs
  : declaration_specifiers    { $$ = ast_spec_push(p, $1); }
  ;

/*
 * Exactly one typedef name, or one unique type specifier, or any number
 * of basic type keywords, among the storage classes and qualifiers.
 */
declaration_specifiers
  : ds_typedef
  | ds_unique
  | ds_basic
  ;

ds_none
  : declaration_qualifier     { $$ = ast_spec(NULL, $1, @1); }
  | ds_none declaration_qualifier { $$ = ast_spec($1, $2, @2); }
  ;

ds_typedef
  : TYPEDEF_NAME              { $$ = ast_spec_typedef_name(NULL, @1, $1); }
  | ds_none TYPEDEF_NAME      { $$ = ast_spec_typedef_name($1, @2, $2); }
  | ds_typedef declaration_qualifier { $$ = ast_spec($1, $2, @2); }
  ;

ds_unique
  : unique_type_specifier     { $$ = ast_spec_tag(NULL, @1, $1); }
  | ds_none unique_type_specifier { $$ = ast_spec_tag($1, @2, $2); }
  | ds_unique declaration_qualifier { $$ = ast_spec($1, $2, @2); }
  ;

ds_basic
  : basic_type_specifier      { $$ = ast_spec(NULL, SP_TYPE, @1); }
  | ds_none basic_type_specifier { $$ = ast_spec($1, SP_TYPE, @2); }
  | ds_basic basic_type_specifier { $$ = ast_spec($1, SP_TYPE, @2); }
  | ds_basic declaration_qualifier { $$ = ast_spec($1, $2, @2); }
  ;

declaration_qualifier
  : storage_class_specifier
  | type_qualifier
  | function_specifier
  | alignment_specifier       { $$ = SP_TYPE; }
  | attribute_specifier       { $$ = SP_TYPE; }
  ;

init_declarator_list_opt
  : %empty                    { $$ = NULL; }
  | init_declarator_list
  ;

init_declarator_list
  : init_declarator           { $$ = ast_list(NULL, $1); }
  | init_declarator_list ',' init_declarator { $$ = ast_list($1, $3); }
  ;

init_declarator
  : declarator_decl
  | declarator_decl '=' initializer { $$ = ast_decl_init($1, @2, $3); }
  ;

/* The name is in scope from the end of its declarator on (6.2.1p7). */
declarator_decl
  : declarator                { $$ = ast_declare(p, $1); }
  ;

/* 6.7.1 Storage-class specifiers */
storage_class_specifier
  : "typedef"                 { $$ = SP_TYPEDEF; }
  | "extern"                  { $$ = SP_EXTERN; }
  | "static"                  { $$ = SP_STATIC; }
  | "_Thread_local"           { $$ = SP_THREAD; }
  | "auto"                    { $$ = SP_AUTO; }
  | "register"                { $$ = SP_REGISTER; }
  ;

/* 6.7.2 Type specifiers */
basic_type_specifier
  : "void" | "char" | "short" | "int" | "long" | "float" | "double"
  | "signed" | "unsigned" | "_Bool" | "_Complex" | "_Imaginary"
  | "__int128" | "_FloatN"
  ;

unique_type_specifier
  : struct_or_union_specifier
  | enum_specifier
  | atomic_type_specifier     { $$ = NULL; }
  | typeof_specifier
  | "__auto_type"             { $$ = NULL; }
  ;

/* 6.7.2.1 Structure and union specifiers */
struct_or_union_specifier
  : struct_or_union attributes_opt general_identifier_opt
      '{' struct_declaration_list_opt '}'   { $$ = ast_tag(@$, true); }
  | struct_or_union attributes_opt general_identifier
                                            { $$ = ast_tag(@$, false); }
  ;

struct_or_union
  : "struct"
  | "union"
  ;

general_identifier_opt
  : %empty
  | general_identifier
  ;

struct_declaration_list_opt
  : %empty
  | struct_declaration_list_opt struct_declaration
  ;

struct_declaration
  : specifier_qualifier_list struct_declarator_list_opt ';'
                              { ast_members($1, $2); }
  | static_assert_declaration
  | ';'                       /* GNU: a stray semicolon */
  | "__extension__" struct_declaration
  ;

/* As declaration_specifiers, without storage classes and functions. */
specifier_qualifier_list
  : sq_typedef
  | sq_unique
  | sq_basic
  ;

sq_none
  : type_qualifier_x          { $$ = ast_spec(NULL, $1, @1); }
  | sq_none type_qualifier_x  { $$ = ast_spec($1, $2, @2); }
  ;

sq_typedef
  : TYPEDEF_NAME              { $$ = ast_spec_typedef_name(NULL, @1, $1); }
  | sq_none TYPEDEF_NAME      { $$ = ast_spec_typedef_name($1, @2, $2); }
  | sq_typedef type_qualifier_x { $$ = ast_spec($1, $2, @2); }
  ;

sq_unique
  : unique_type_specifier     { $$ = ast_spec_tag(NULL, @1, $1); }
  | sq_none unique_type_specifier { $$ = ast_spec_tag($1, @2, $2); }
  | sq_unique type_qualifier_x { $$ = ast_spec($1, $2, @2); }
  ;

sq_basic
  : basic_type_specifier      { $$ = ast_spec(NULL, SP_TYPE, @1); }
  | sq_none basic_type_specifier { $$ = ast_spec($1, SP_TYPE, @2); }
  | sq_basic basic_type_specifier { $$ = ast_spec($1, SP_TYPE, @2); }
  | sq_basic type_qualifier_x { $$ = ast_spec($1, $2, @2); }
  ;

/* A qualifier in a specifier-qualifier list, GNU additions included. */
type_qualifier_x
  : type_qualifier
  | alignment_specifier       { $$ = SP_TYPE; }
  | attribute_specifier       { $$ = SP_TYPE; }
  | async_pointer_specifier
  ;

/* ---- async: pointers to async functions ----
 * `async int (*fp)(int)` in a member or a type name (casts, sizeof), as
 * in a declaration (docs/language.md). */
async_pointer_specifier
  : "async"                   { $$ = SP_ASYNC; }
  ;

struct_declarator_list_opt
  : %empty                    { $$ = NULL; }
  | struct_declarator_list
  ;

struct_declarator_list
  : struct_declarator         { $$ = ast_list(NULL, $1); }
  | struct_declarator_list ',' struct_declarator { $$ = ast_list($1, $3); }
  ;

struct_declarator
  : declarator
  | declarator ':' constant_expression
  | ':' constant_expression   { $$ = NULL; }
  ;

/* 6.7.2.2 Enumeration specifiers */
enum_specifier
  : "enum" attributes_opt general_identifier_opt
      '{' enumerator_list comma_opt '}'     { $$ = ast_tag(@$, true); }
  | "enum" attributes_opt general_identifier { $$ = ast_tag(@$, false); }
  ;

enumerator_list
  : enumerator
  | enumerator_list ',' enumerator
  ;

enumerator
  : general_identifier attributes_opt   { ast_enumerator(@1, NULL); }
  | general_identifier attributes_opt '=' constant_expression
                                        { ast_enumerator(@1, $4); }
  ;

comma_opt
  : %empty
  | ','
  ;

/* 6.7.2.4 Atomic type specifiers */
atomic_type_specifier
  : "_Atomic" '(' type_name ')'
  ;

/* 6.7.3 Type qualifiers */
type_qualifier
  : "const"                   { $$ = SP_CONST; }
  | "restrict"                { $$ = SP_TYPE; }
  | "volatile"                { $$ = SP_TYPE; }
  | "_Atomic"                 { $$ = SP_TYPE; }
  ;

/* 6.7.4 Function specifiers */
function_specifier
  : "inline"                  { $$ = SP_INLINE; }
  | "_Noreturn"               { $$ = SP_INLINE; }
  | "async"                   { $$ = SP_ASYNC; }
  ;

/* 6.7.5 Alignment specifier */
alignment_specifier
  : "_Alignas" '(' type_name ')'
  | "_Alignas" '(' constant_expression ')'
  ;

/* 6.7.6 Declarators */
declarator
  : direct_declarator
  | pointer direct_declarator { $$ = ast_dtor_pointer(@$, $2); }
  ;

direct_declarator
  : general_identifier        { $$ = ast_dtor_name(@$, $1); }
  | '(' save_scope paren_declarator ')' { $$ = ast_dtor_paren(@$, $3); }
  | direct_declarator '[' array_size ']'
                              { $$ = ast_dtor_array(@$, $1, $3); }
  | direct_declarator '(' save_scope parameter_type_list_opt ')'
                              { $$ = ast_dtor_func(@$, $1, $4); }
  | direct_declarator '(' save_scope identifier_list ')'
                              { $$ = ast_dtor_func_kr(@$, $1, $4); }
  | direct_declarator attribute_specifier { $$ = ast_dtor_extend(@$, $1); }
  | direct_declarator asm_label { $$ = ast_dtor_extend(@$, $1); }
  ;

/*
 * Inside parentheses the innermost name must be an IDENT: in a parameter,
 * `(T)` with T a typedef name is a parameter list (6.7.6.3p11), and C11
 * keeps `int (T);` from redeclaring T for the same reason.
 */
paren_declarator
  : paren_direct
  | pointer direct_declarator { $$ = ast_dtor_pointer(@$, $2); }
  ;

paren_direct
  : IDENT                     { $$ = ast_dtor_name(@$, $1); }
  | '(' save_scope paren_declarator ')' { $$ = ast_dtor_paren(@$, $3); }
  | paren_direct '[' array_size ']' { $$ = ast_dtor_array(@$, $1, $3); }
  | paren_direct '(' save_scope parameter_type_list_opt ')'
                              { $$ = ast_dtor_func(@$, $1, $4); }
  | paren_direct attribute_specifier { $$ = ast_dtor_extend(@$, $1); }
  ;

/* A K&R parameter list, `f(a, b)`: only a definition may have one. */
identifier_list
  : IDENT                     { $$ = ast_list(NULL, (void *)$1); }
  | identifier_list ',' IDENT { $$ = ast_list($1, (void *)$3); }
  ;

/* Every `(` of a declarator opens a scope; the builders close it. */
save_scope
  : %empty                    { scope_push(); }
  ;

array_size
  : type_qualifier_list_opt   { $$ = NULL; }
  | type_qualifier_list_opt assignment_expression { $$ = $2; }
  | "static" type_qualifier_list_opt assignment_expression { $$ = $3; }
  | type_qualifier_list "static" assignment_expression { $$ = $3; }
  | type_qualifier_list_opt '*' { $$ = ast_leaf(ND_NULL, @2); }
  ;

pointer
  : '*' type_qualifier_list_opt
  | '*' type_qualifier_list_opt pointer
  ;

type_qualifier_list_opt
  : %empty
  | type_qualifier_list
  ;

type_qualifier_list
  : pointer_qualifier
  | type_qualifier_list pointer_qualifier
  ;

pointer_qualifier
  : type_qualifier
  | attribute_specifier
  ;

parameter_type_list_opt
  : %empty                    { $$ = NULL; }
  | parameter_type_list
  ;

parameter_type_list
  : parameter_list
  | parameter_list ',' "..."  { $$ = ast_params_variadic($1); }
  | "..."                     { $$ = ast_params_variadic(NULL); } /* clang */
  ;

parameter_list
  : parameter_declaration     { $$ = ast_params(NULL, $1); }
  | parameter_list ',' parameter_declaration { $$ = ast_params($1, $3); }
  ;

parameter_declaration
  : declaration_specifiers declarator { $$ = ast_param($1, $2, @$); }
  | declaration_specifiers abstract_declarator_opt
                              { $$ = ast_param($1, $2, @$); }
  ;

/* 6.7.7 Type names */
type_name
  : specifier_qualifier_list abstract_declarator_opt
  ;

abstract_declarator_opt
  : %empty                    { $$ = NULL; }
  | abstract_declarator
  ;

abstract_declarator
  : pointer                   { $$ = ast_dtor_pointer(@$, NULL); }
  | pointer direct_abstract_declarator { $$ = ast_dtor_pointer(@$, $2); }
  | direct_abstract_declarator
  ;

direct_abstract_declarator
  : '(' save_scope abstract_declarator ')' { $$ = ast_dtor_paren(@$, $3); }
  | '[' array_size ']'        { $$ = ast_dtor_array(@$, NULL, $2); }
  | '(' save_scope parameter_type_list_opt ')'
                              { $$ = ast_dtor_func(@$, NULL, $3); }
  | direct_abstract_declarator '[' array_size ']'
                              { $$ = ast_dtor_array(@$, $1, $3); }
  | direct_abstract_declarator '(' save_scope parameter_type_list_opt ')'
                              { $$ = ast_dtor_func(@$, $1, $4); }
  | direct_abstract_declarator attribute_specifier
                              { $$ = ast_dtor_extend(@$, $1); }
  ;

/* 6.7.9 Initialization */
initializer
  : assignment_expression
  | braced_initializer
  ;

braced_initializer
  : '{' initializer_list comma_opt '}' { $$ = ast_init_list(@$, $2); }
  | '{' '}'                   { $$ = ast_init_list(@$, NULL); }
  ;

initializer_list
  : initializer_item          { $$ = ast_list(NULL, $1); }
  | initializer_list ',' initializer_item { $$ = ast_list($1, $3); }
  ;

initializer_item
  : initializer  { $$ = ast_init_item(@$, (Span){@1.begin, @1.begin}, $1); }
  | designation initializer   { $$ = ast_init_item(@$, @1, $2); }
  ;

designation
  : designator_list '='
  | general_identifier ':'    /* GNU, obsolete */
  ;

designator_list
  : designator
  | designator_list designator
  ;

designator
  : '[' constant_expression ']'
  | '[' constant_expression "..." constant_expression ']'  /* GNU */
  | '.' general_identifier
  ;

/* 6.7.10 Static assertions */
static_assert_declaration
  : "_Static_assert" '(' constant_expression ',' string_literal ')' ';'
                    { $$ = ast_stmt(ND_STATIC_ASSERT, @$, $3, NULL); }
  | "_Static_assert" '(' constant_expression ')' ';'
                    { $$ = ast_stmt(ND_STATIC_ASSERT, @$, $3, NULL); }
  ;

/* ==== 6.8 Statements and blocks ==== */

statement
  : labeled_statement
  | compound_statement
  | expression_statement
  | selection_statement
  | iteration_statement
  | jump_statement
  | asm_statement
  ;

/* 6.8.1 Labeled statements */
labeled_statement
  : IDENT ':' statement       { $$ = ast_label(@$, @1, $3); }
  | TYPEDEF_NAME ':' statement { $$ = ast_label(@$, @1, $3); } /* 6.2.3 */
  | "case" constant_expression ':' statement
                              { $$ = ast_case(@$, $2, NULL, $4); }
  | "case" constant_expression "..." constant_expression ':' statement
                              { $$ = ast_case(@$, $2, $4, $6); }
  | "default" ':' statement   { $$ = ast_stmt(ND_DEFAULT, @$, NULL, $3); }
  ;

/* 6.8.2 Compound statement */
compound_statement
  : '{' block_open block_item_list_opt '}' scope_close
                              { $$ = ast_block(@$, $3); }
  ;

block_open
  : %empty                    { ast_scope_open(p, true); }
  ;

scope_open
  : %empty                    { ast_scope_open(p, false); }
  ;

scope_close
  : %empty                    { ast_scope_close(p); }
  ;

block_item_list_opt
  : %empty                    { $$ = NULL; }
  | block_item_list_opt block_item { $$ = ast_list($1, $2); }
  ;

block_item
  : declaration
  | statement
  | function_definition       /* GNU nested function: reported */
  | "__label__" label_list ';' { $$ = ast_leaf(ND_NULL, @$); }
  | "__extension__" declaration { $$ = ast_extension(@$, $2); }
  | error ';'                 { $$ = ast_recover(p, @$, false); }
  ;

label_list
  : general_identifier
  | label_list ',' general_identifier
  ;

/* 6.8.3 Expression and null statements */
expression_statement
  : ';'                       { $$ = ast_leaf(ND_NULL, @$); }
  | expression ';'            { $$ = ast_stmt(ND_EXPR_STMT, @$, $1, NULL); }
  | attribute_specifier ';'   { $$ = ast_leaf(ND_NULL, @$); }
  ;

/* 6.8.4 Selection statements */
selection_statement
  : "if" '(' expression ')' statement { $$ = ast_if(@$, $3, $5, NULL); }
  | "if" '(' expression ')' statement "else" statement
                              { $$ = ast_if(@$, $3, $5, $7); }
  | "switch" '(' expression ')' statement
                              { $$ = ast_loop(ND_SWITCH, @$, $3, $5); }
  ;

/* 6.8.5 Iteration statements */
iteration_statement
  : "while" '(' expression ')' statement
                              { $$ = ast_loop(ND_WHILE, @$, $3, $5); }
  | "do" statement "while" '(' expression ')' ';'
                              { $$ = ast_loop(ND_DO, @$, $5, $2); }
  | "for" '(' scope_open for_init expression_opt ';' expression_opt ')'
      statement scope_close   { $$ = ast_for(@$, $4, $5, $7, $9); }
  ;

for_init
  : ';'                       { $$ = NULL; }
  | expression ';'            { $$ = ast_stmt(ND_EXPR_STMT, @$, $1, NULL); }
  | declaration
  ;

/* 6.8.6 Jump statements */
jump_statement
  : "goto" general_identifier ';' { $$ = ast_goto(@$, @2); }
  | "continue" ';'            { $$ = ast_stmt(ND_CONTINUE, @$, NULL, NULL); }
  | "break" ';'               { $$ = ast_stmt(ND_BREAK, @$, NULL, NULL); }
  | "return" expression_opt ';' { $$ = ast_stmt(ND_RETURN, @$, $2, NULL); }
  | "goto" '*' expression ';' /* GNU computed goto */
                    { $$ = ast_stmt(ND_GOTO_INDIRECT, @$, $3, NULL); }
  ;

/* ==== 6.9 External definitions ==== */

translation_unit
  : external_declarations     { ast_translation_unit(p, $1); }
  ;

external_declarations
  : %empty                    { $$ = NULL; }
  | external_declarations external_declaration { $$ = ast_list($1, $2); }
  ;

external_declaration
  : function_definition
  | declaration
  | "__asm__" '(' balanced_tokens ')' ';' { $$ = ast_leaf(ND_TOP_ASM, @$); }
  | ';'                       { $$ = ast_leaf(ND_NULL, @$); }
  | "__extension__" external_declaration { $$ = ast_extension(@$, $2); }
  | error ';'                 { $$ = ast_recover(p, @$, true); }
  ;

/* 6.9.1 Function definitions; a K&R definition declares its parameters
   between the declarator and the body, in the parameters' scope. */
function_definition
  : decl_specs declarator_decl function_begin compound_statement
                              { $$ = $2->is_kr && $2->kr_names.len
                                   ? ast_func_def_kr(p, @$, $1, $2,
                                                     &(Vec){0}, $4)
                                   : ast_func_def(p, @$, $1, $2, $4); }
  | decl_specs declarator_decl function_begin kr_declaration_list
    compound_statement
                              { $$ = ast_func_def_kr(p, @$, $1, $2, $4, $5); }
  ;

kr_declaration_list
  : declaration               { $$ = ast_list(NULL, $1); }
  | kr_declaration_list declaration { $$ = ast_list($1, $2); }
  ;

function_begin
  : %empty                    { ast_func_begin(p, yychar == '{'); }
  ;

/* ==== GNU extensions ==== */

gnu_primary_expression
  : '(' compound_statement ')' { $$ = ast_stmt_expr(@$, $2); }
  | "__builtin_va_arg" '(' assignment_expression ',' type_name ')'
                   { $$ = ast_typed(ND_VA_ARG, @$, @1, @5, $3); }
  | "__builtin_offsetof" '(' type_name ',' offsetof_member ')'
                   { $$ = ast_offsetof(@$, @3, @5); }
  | "__builtin_types_compatible_p" '(' type_name ',' type_name ')'
                   { $$ = ast_types_compat(@$, @3, @5); }
  ;

offsetof_member
  : general_identifier
  | offsetof_member '.' general_identifier
  | offsetof_member '[' expression ']'
  ;

gnu_unary_expression
  : "__extension__" cast_expression { $$ = ast_extension(@$, $2); }
  | "__real__" cast_expression { $$ = ast_unary(ND_REAL, @$, @1, $2); }
  | "__imag__" cast_expression { $$ = ast_unary(ND_IMAG, @$, @1, $2); }
  | "&&" general_identifier   { $$ = ast_label_addr(@$, @2); }
  ;

typeof_specifier
  : "__typeof__" '(' expression ')' { ast_typeof_keyword(@1);
                                      $$ = ast_typeof($3); }
  | "__typeof__" '(' type_name ')'  { ast_typeof_keyword(@1); $$ = NULL; }
  ;

attributes_opt
  : %empty
  | attribute_specifier_list
  ;

attribute_specifier_list
  : attribute_specifier
  | attribute_specifier_list attribute_specifier
  ;

/* __attribute__((...)): the contents are kept as text, not interpreted. */
attribute_specifier
  : "__attribute__" '(' balanced_tokens ')'
  ;

asm_label
  : "__asm__" '(' string_literal ')'
  ;

/* The operands are expressions: their names are resolved (a frame local
   is renamed in the output) and an await among them is seen. */
asm_statement
  : "__asm__" asm_qualifiers '(' string_literal asm_sections ')' ';'
                              { $$ = ast_asm(@$, $5); }
  ;

asm_sections
  : %empty                    { $$ = NULL; }
  | ':' asm_operands_opt      { $$ = $2; }
  | ':' asm_operands_opt ':' asm_operands_opt
                              { $$ = ast_list_join($2, $4); }
  | ':' asm_operands_opt ':' asm_operands_opt ':' asm_clobbers_opt
                              { $$ = ast_list_join($2, $4); }
  | ':' asm_operands_opt ':' asm_operands_opt ':' asm_clobbers_opt ':'
    asm_labels_opt            { $$ = ast_list_join($2, $4); }
  ;

asm_operands_opt
  : %empty                    { $$ = NULL; }
  | asm_operands
  ;

asm_operands
  : asm_operand               { $$ = ast_list(NULL, $1); }
  | asm_operands ',' asm_operand { $$ = ast_list($1, $3); }
  ;

asm_operand
  : string_literal '(' expression ')' { $$ = $3; }
  | '[' general_identifier ']' string_literal '(' expression ')' { $$ = $6; }
  ;

asm_clobbers_opt
  : %empty
  | asm_clobbers
  ;

asm_clobbers
  : string_literal
  | asm_clobbers ',' string_literal
  ;

asm_labels_opt
  : %empty
  | asm_labels
  ;

asm_labels
  : general_identifier
  | asm_labels ',' general_identifier
  ;

asm_qualifiers
  : %empty
  | asm_qualifiers "volatile"
  | asm_qualifiers "inline"
  | asm_qualifiers "goto"
  ;

/* Any tokens with balanced parentheses (attribute and asm operands). */
balanced_tokens
  : %empty
  | balanced_tokens balanced_token
  | balanced_tokens '(' balanced_tokens ')'
  ;

balanced_token
  : IDENT | TYPEDEF_NAME | CONSTANT | STRING_LITERAL
  | "auto" | "break" | "case" | "char" | "const" | "continue" | "default"
  | "do" | "double" | "else" | "enum" | "extern" | "float" | "for" | "goto"
  | "if" | "inline" | "int" | "long" | "register" | "restrict" | "return"
  | "short" | "signed" | "sizeof" | "static" | "struct" | "switch"
  | "typedef" | "union" | "unsigned" | "void" | "volatile" | "while"
  | "_Alignas" | "_Alignof" | "_Atomic" | "_Bool" | "_Complex" | "_Generic"
  | "_Imaginary" | "_Noreturn" | "_Static_assert" | "_Thread_local"
  | "__attribute__" | "__asm__" | "__typeof__" | "__extension__"
  | "__builtin_va_arg" | "__builtin_offsetof" | "__builtin_types_compatible_p"
  | "__label__" | "__int128" | "__auto_type" | "__real__" | "__imag__"
  | "_FloatN" | "async" | "await"
  | "..." | "->" | "++" | "--" | "<<" | ">>" | "<=" | ">=" | "==" | "!="
  | "&&" | "||" | "*=" | "/=" | "%=" | "+=" | "-=" | "<<=" | ">>=" | "&="
  | "^=" | "|="
  | '[' | ']' | '{' | '}' | '.' | '&' | '*' | '+' | '-' | '~' | '!' | '/'
  | '%' | '<' | '>' | '^' | '|' | '?' | ':' | ';' | '=' | ','
  ;

/* ==== acc: async and await ==== */

/* `await E` binds like `!`: `await f(x) + 1` is `(await f(x)) + 1`. */
await_expression
  : "await" cast_expression   { $$ = ast_unary(ND_AWAIT, @$, @1, $2); }
  ;

%%

/* Bison's view of the error, handed to syntax_error.c for wording.  A
   constant among the expected tokens means an expression could start. */
static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
                                 Parser *p) {
  (void)scanner;
  yysymbol_kind_t all[YYNTOKENS];
  int n = yypcontext_expected_tokens(ctx, all, YYNTOKENS);
  SyntaxError e = {.at = *yypcontext_location(ctx),
                   .unexpected = yysymbol_name(yypcontext_token(ctx))};
  for (int i = 0; i < n; i++) {
    e.expects_expression |= all[i] == YYSYMBOL_CONSTANT;
    e.expects_rbrace |= !strcmp(yysymbol_name(all[i]), "'}'");
  }
  if (n > 0 && n <= SYNTAX_ERROR_MAX_LISTED)
    for (int i = 0; i < n; i++)
      e.expected[e.nexpected++] = yysymbol_name(all[i]);
  syntax_error_report(p, &e);
  return 0;
}
