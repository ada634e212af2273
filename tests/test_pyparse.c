/* Tests for lib/pyparse.c: the forms CPython accepts, the mistakes it
 * refuses (with its message and line; every case here was checked against
 * compile() on Python 3.11, the 3.12/3.13 forms against the grammar),
 * versions, nesting limits and garbage. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pyparse.h"
#include "lib/util.h"
#include "tests/suites.h"

struct bad_case {
	const char *src, *msg; /* msg: a fragment of the message ("" any) */
	int line;
};

static const char *const valid[] = {
	"x = 1\n",
	"a, *b = c\n",
	"[a, b] = c\n",
	"() = []\n",
	"del (), [a], b.c, d[0]\n",
	"x: int = 1\n",
	"(x): int\n",
	"x.y: int\n",
	"x += 1\n",
	"a.b **= 2\n",
	"@dec\n@dec.attr(1)\n@(lambda f: f)\nclass A(B, metaclass=M):\n    pass\n",
	"async def f():\n    await x\n    async for a in b:\n        pass\n    async with a as b, c:\n        pass\n    return [await y async for y in z]\n",
	"def f(a, /, b, *, c, **k):\n    pass\n",
	"def f(a=1, /, b=2, *args, c, d=4, **kw): pass\n",
	"def f(*, a): pass\n",
	"def f(a: int, *b: str, **c: float) -> None: pass\n",
	"lambda: 0\n",
	"lambda a, b=1, *c, d, **e: a\n",
	"f = lambda x: lambda y: x + y\n",
	"if (n := 10) > 5:\n    pass\n",
	"print(y := 1)\n",
	"[y := 1, y**2]\n",
	"try:\n    pass\nexcept* ValueError as e:\n    pass\n",
	"try:\n    pass\nexcept (A, B) as e:\n    pass\nexcept C:\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
	"x = [i for i in range(3) if i for j in i]\n",
	"s = {a for a in b}\n",
	"d = {a: b for a, b in c}\n",
	"g = (x for x in y)\n",
	"f(x for x in y)\n",
	"f(*a, *b, c=1, **d, e=2)\n",
	"x = *a, *b\n",
	"print(*a, sep='')\n",
	"a[1:2, ::3, *b]\n",
	"a[:]\n",
	"a[x:=1]\n",
	"global x, y\n",
	"def f():\n    x = 1\n    def g():\n        nonlocal x\n",
	"def f():\n    yield\n    yield 1, 2\n    x = yield from g()\n    return *a, b\n",
	"x = f'{a!r:>{width}} {b=} {c:%Y} {{}}'\n",
	"x = f'{\"a\"}' rf'\\{x}' F'''{\n1}'''\n",
	"x = f'\\N{EM DASH} {y}'\n",
	"match command.split():\n    case [action]:\n        pass\n    case [\"go\", direction] | [\"move\", direction]:\n        pass\n    case Point(x=0, y=0) as p if p:\n        pass\n    case {\"k\": 1, **rest}:\n        pass\n    case -1 | 1+2j | None | \"s\" \"t\" | a.b:\n        pass\n    case [*_], (1, 2), ():\n        pass\n    case _:\n        pass\n",
	"match = 1\ncase = 2\ntype = 3\n_ = match + case + type\nmatch(x)\nmatch[x]\nprint(match, case, type)\n",
	"type X = int\n",
	"type L[T] = list[T]\n",
	"def f[T: int, *Ts, **P](x: T) -> T: pass\n",
	"class A[T]:\n    pass\n",
	"def f[T = int](): pass\n",
	"with (open(a) as b, open(c) as d,):\n    pass\n",
	"with (a, b) as c:\n    pass\n",
	"with (a):\n    pass\n",
	"for x, in y:\n    break\nelse:\n    pass\n",
	"while x:\n    continue\n",
	"x = 1if y else 2\n",
	"x = 0x_ff + 0o17 + 0b1_0 + 1_000.5e-3j + .5 + 5. + 00 + 1.0.real\n",
	"from . import a\nfrom ..b import (c as d, e,)\nimport f.g as h\nfrom i import *\n",
	"\"\"\"doc\"\"\"\nfrom __future__ import annotations\nfrom __future__ import division\n",
	"assert x, 'msg'\nraise E from None\nraise\n",
	"x = a if b else c if d else e\n",
	"x = not not a and b or c is not d not in e < f\n",
	"x = -~+a ** -b // c @ d >> e | f ^ g & h\n",
	"x = [\n    1,\n    2,\n]\n",
	"if a: b; c\nelif d: pass\nelse: e\n",
	"x = ...\n",
	"class A:\n    def f(self):\n        return super().f()\n",
	"def f():\n    [x for x in (yield)]\n",
	"async def f():\n    return (await x for x in y)\n",
	"def f():\n    return (await x for x in y)\n",
	"x = 'a' 'b' \"c\"\n",
	"x = b'a' b'b'\n",
	"print(a, *b, c)\n",
	"f(a)(b)[c].d\n",
	"def f(*args: *Ts): pass\n",
	"x = {**a, 'b': 1}\n",
	"x = {*a, 1}\n",
	"x = {}\n",
	"if x:\n    pass\n# comment\n\n    # indented comment\nelse:\n    pass\n",
	"def g():\n    x = (yield)\n",
	"@property\ndef f(): pass\n",
	"for i in *a, *b:\n    pass\n",
};

static const struct bad_case invalid[] = {
	{"f(a b)\n", "Perhaps you forgot a comma?", 1},
	{"for x in *a:\n    pass\n", "can't use starred expression here", 1},
	{"x = 1\ndel x, *y\n", "cannot delete starred", 2},
	{"del [*a]\n", "cannot delete starred", 1},
	{"del (*a,)\n", "cannot delete starred", 1},
	{"print x\n", "Missing parentheses in call to 'print'", 1},
	{"print 'hello'\n", "Missing parentheses in call to 'print'", 1},
	{"x = = 1\n", "invalid syntax", 1},
	{"try:\n    pass\nexcept E, e:\n    pass\n", "multiple exception types must be parenthesized", 3},
	{"def f(a, a): pass\n", "duplicate argument 'a' in function definition", 1},
	{"f(a=1, a=2)\n", "keyword argument repeated: a", 1},
	{"1 = x\n", "cannot assign to literal", 1},
	{"f() = 1\n", "cannot assign to function call", 1},
	{"None = 1\n", "cannot assign to None", 1},
	{"a + 1 += 1\n", "illegal expression for augmented assignment", 1},
	{"return 1\n", "'return' outside function", 1},
	{"yield 1\n", "'yield' outside function", 1},
	{"break\n", "'break' outside loop", 1},
	{"for x in y:\n    pass\nelse:\n    continue\n", "'continue' not properly in loop", 4},
	{"class A:\n    return 1\n", "'return' outside function", 2},
	{"await x\n", "'await' outside function", 1},
	{"def f():\n    await x\n", "'await' outside async function", 2},
	{"def f():\n    async with a: pass\n", "'async with' outside async function", 2},
	{"nonlocal x\n", "nonlocal declaration not allowed at module level", 1},
	{"def f(a=1, b): pass\n", "non-default argument follows default argument", 1},
	{"f(a=1, b)\n", "positional argument follows keyword argument", 1},
	{"f(**a, *b)\n", "iterable argument unpacking follows keyword argument unpacking", 1},
	{"f(x for x in y, 1)\n", "Generator expression must be parenthesized", 1},
	{"def f(*): pass\n", "named arguments must follow bare *", 1},
	{"*a = 1\n", "starred assignment target must be in a list or tuple", 1},
	{"*a, *b = c\n", "multiple starred expressions in assignment", 1},
	{"x = *a\n", "can't use starred expression here", 1},
	{"del f()\n", "cannot delete function call", 1},
	{"if x\n    pass\n", "expected ':'", 1},
	{"if x:\npass\n", "expected an indented block", 2},
	{"def f():\n", "expected an indented block", 1},
	{"x = 1\nfrom __future__ import division\n", "from __future__ imports must occur at the beginning of the file", 2},
	{"from __future__ import braces\n", "not a chance", 1},
	{"from __future__ import nope\n", "future feature nope is not defined", 1},
	{"[x for x in y] = 1\n", "cannot assign to list comprehension", 1},
	{"[(yield) for x in y]\n", "'yield' outside function", 1},
	{"def f():\n    [x for x in y if (yield)]\n", "'yield' inside list comprehension", 2},
	{"x = 09\n", "leading zeros in decimal integer literals are not permitted", 1},
	{"x = 1__0\n", "invalid decimal literal", 1},
	{"x = 1.real\n", "invalid decimal literal", 1},
	{"x = 0xg\n", "invalid hexadecimal literal", 1},
	{"x = b'a' 'b'\n", "cannot mix bytes and nonbytes literals", 1},
	{"x = f'{a b}'\n", "f-string: invalid syntax", 1},
	{"x = f'{}'\n", "f-string: empty expression not allowed", 1},
	{"try:\n    pass\n", "expected 'except' or 'finally' block", 2},
	{"try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n", "default 'except:' must be last", 3},
	{"try:\n    pass\nexcept E:\n    pass\nexcept* F:\n    pass\n", "cannot have both 'except' and 'except*'", 5},
	{"x = a if b\n", "expected 'else' after 'if' expression", 1},
	{"import a.b as c.d\n", "invalid syntax", 1},
	{"from x import a,\n", "trailing comma not allowed without surrounding parentheses", 1},
	{"x = True = 1\n", "cannot assign to True", 1},
	{"__debug__ = 1\n", "cannot assign to __debug__", 1},
	{"def f():\n    from x import *\n", "import * only allowed at module level", 2},
	{"class A:\n    x = 1\n  y = 2\n", "", 3},
	{"else:\n    pass\n", "invalid syntax", 1},
	{"x = 1; if y: pass\n", "invalid syntax", 1},
	{"async x = 1\n", "invalid syntax", 1},
	{"with a as f(): pass\n", "cannot assign to function call", 1},
	{"for 1 in x: pass\n", "cannot assign to literal", 1},
	{"[x]: int\n", "only single target (not list) can be annotated", 1},
	{"(a, b) += 1\n", "'tuple' is an illegal expression for augmented assignment", 1},
	{"f(*a=1)\n", "invalid syntax", 1},
	{"f((a) := 1)\n", "", 1},
	{"match x:\n    case f'{y}':\n        pass\n", "patterns may only match literals and attribute lookups", 2},
	{"match x:\ncase 1: pass\n", "expected an indented block", 2},
	{"def f(**k, a): pass\n", "arguments cannot follow var-keyword argument", 1},
	{"def f(/, a): pass\n", "at least one argument must precede /", 1},
	{"x = [1, 2\n", "", 1},
	{"x = 'abc\n", "", 1},
	{"def f():\n  return\n    x\n", "", 3},
	{"\xff" "\xfe" " = 1\n", "", 1},
};

/* Parses len bytes from an exact-size copy (a read past the end is a
 * sanitizer error). */
static bool parse_n(const char *src, size_t len, int minor, struct ag_pyparse_err *e)
{
	char *copy = ag_malloc(len ? len : 1);
	memcpy(copy, src, len);
	bool ok = ag_pyparse(copy, len, minor ? 3 : 0, minor, e);
	free(copy);
	return ok;
}

static bool parse(const char *src, int minor, struct ag_pyparse_err *e)
{
	return parse_n(src, strlen(src), minor, e);
}

START_TEST(test_valid_forms)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(valid); i++) {
		struct ag_pyparse_err e;
		bool ok = parse(valid[i], 0, &e);
		ck_assert_msg(ok, "rejected: %s -> %d:%d %s", valid[i], e.line, e.col, e.msg);
	}
}
END_TEST

START_TEST(test_mistakes)
{
	for (size_t i = 0; i < AG_ARRAY_LEN(invalid); i++) {
		struct ag_pyparse_err e;
		bool ok = parse(invalid[i].src, 0, &e);
		ck_assert_msg(!ok, "accepted: %s", invalid[i].src);
		ck_assert_msg(strstr(e.msg, invalid[i].msg) != NULL, "%s: message %s, want %s",
			      invalid[i].src, e.msg, invalid[i].msg);
		ck_assert_msg(e.line == invalid[i].line, "%s: line %d, want %d (%s)", invalid[i].src,
			      e.line, invalid[i].line, e.msg);
		ck_assert_int_ge(e.col, 1);
	}
}
END_TEST

START_TEST(test_positions)
{
	struct ag_pyparse_err e;
	ck_assert(!parse("x = 1\ny = f(a b)\n", 0, &e));
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 9); /* at `b`, where the comma is missing */
	ck_assert(!parse("def f():\n    return 1\nreturn 2\n", 0, &e));
	ck_assert_int_eq(e.line, 3);
	ck_assert_int_eq(e.col, 1);
	ck_assert_str_eq(e.msg, "'return' outside function");
}
END_TEST

/* Syntax newer than the version asked for is an error; the default is the
 * newest. */
START_TEST(test_versions)
{
	static const struct {
		const char *src;
		int since;
	} cases[] = {
		{"type X = int\n", 12},
		{"def f[T](x: T): pass\n", 12},
		{"class A[T]: pass\n", 12},
		{"def f[T = int](): pass\n", 13},
		{"try:\n    pass\nexcept* E:\n    pass\n", 11},
		{"match x:\n    case 1:\n        pass\n", 10},
		/* PEP 701: the string's own quote inside a field; the tokenizer
		 * reads it the 3.11 way, so 3.12+ accepts what follows unjudged. */
		{"x = f\"{a[\"b\"]} {c}\"\ny = f'{'q' if z else 'r'}'\n", 12},
		/* PEP 701: fields nest the same quotes without end, and may hold
		 * a backslash (before 3.12: CPython's own words, below) */
		{"x = f\"{f\"{f\"{1}\"}\"}\"\n", 12},
		{"x = f\"{'\\n'.join(a)}\"\n", 12},
		{"x = f\"{a!r:>{'\\t'}}\"\n", 12},
		/* PEP 695 forms */
		{"def f[*Ts, **P](): pass\n", 12},
		{"type A[T: int] = list[T]\n", 12},
		{"class A[T: (int, str) = int]: pass\n", 13},
		/* PEP 646: a star in a subscript and in *args' annotation */
		{"x = a[*b]\n", 11},
		{"x = a[1, *b]\n", 11},
		{"x[a:b, *c] = 1\n", 11},
		{"x: tuple[int, *Ts]\n", 11},
		{"def f(*args: *Ts): pass\n", 11},
		/* PEP 654 */
		{"try:\n    pass\nexcept* (A, B) as e:\n    pass\n", 11},
		/* PEP 634 */
		{"match p:\n    case Point(x=0, y=0) | [0, 0]:\n        pass\n    case _:\n        pass\n", 10},
		/* unparenthesized assignment expressions in sets and subscripts */
		{"x = a[b := 1]\n", 10},
		{"x = {y := 1, 2}\n", 10},
		/* parenthesized context managers: the PEG parser of 3.9 (documented
		 * in 3.10) */
		{"with (open(a) as f, open(b) as g):\n    pass\n", 9},
		{"with (a as b,):\n    pass\n", 9},
		{"async def f():\n    async with (a as b, c as d):\n        pass\n", 9},
		/* the PEG parser's star_expressions after `for ... in` */
		{"for x in *a, *b:\n    pass\n", 9},
		/* PEP 614: any expression as a decorator */
		{"@buttons[0].clicked.connect\ndef f(): pass\n", 9},
		{"@(lambda f: f)\ndef f(): pass\n", 9},
		{"@a.b or c\nclass A: pass\n", 9},
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(cases); i++) {
		struct ag_pyparse_err e;
		for (int minor = 8; minor <= 13; minor++) {
			bool ok = parse(cases[i].src, minor, &e);
			ck_assert_msg(ok == (minor >= cases[i].since), "%s in 3.%d: %s", cases[i].src,
				      minor, ok ? "accepted" : e.msg);
		}
		ck_assert_msg(parse(cases[i].src, 0, &e), "%s: default rejects", cases[i].src);
	}
	/* What 3.8 already accepted stays accepted: a tuple in parentheses
	 * after `with`, a dotted decorator with arguments, a walrus in
	 * parentheses, positional-only parameters. */
	static const char *const old_forms[] = {
		"with (a, b):\n    pass\n",
		"with (a):\n    pass\n",
		/* not a group: CPython falls back to the expression */
		("def f():\n    with (yield):\n        pass\n    with (a, *b):\n        pass\n"
		 "    with (x := g()):\n        pass\n    with (h(x) for x in y):\n        pass\n"),
		"@a.b.c(1, *d, k=2)\n@e\ndef f(): pass\n",
		"x = a[(b := 1)]\nprint(y := 2)\nz = {(w := 3)}\n",
		"def f(a, /, b, *, c): pass\n",
		"x = f\"{'#'} {a!r:>{w}} {x:\\n}\"\n",
		"def f(*args: int): pass\nx = a[b, c:d]\n",
		"for x in (*a, *b):\n    pass\nfor y in a, b:\n    pass\n",
	};
	for (size_t i = 0; i < AG_ARRAY_LEN(old_forms); i++)
		for (int minor = 8; minor <= 13; minor++) {
			struct ag_pyparse_err e;
			bool ok = parse(old_forms[i], minor, &e);
			/* the backslash there sits in a format spec, which 3.11
			 * allowed: only a field's expression could not */
			ck_assert_msg(ok, "%s in 3.%d: %s", old_forms[i], minor, ok ? "" : e.msg);
		}
	/* CPython 3.11's own messages for what PEP 701 lifted */
	{
		struct ag_pyparse_err e;
		ck_assert(!parse("x = f\"{'\\n'.join(a)}\"\n", 11, &e));
		ck_assert_str_eq(e.msg, "f-string expression part cannot include a backslash");
		ck_assert(!parse("x = f\"{a #}\"\n", 11, &e));
		ck_assert_str_eq(e.msg, "f-string expression part cannot include '#'");
	}
	/* Soft keywords stay names in every version. */
	for (int minor = 8; minor <= 13; minor++) {
		struct ag_pyparse_err e;
		ck_assert(parse("type = 1\nmatch = type\ncase = match(type)\n_ = case\n", minor, &e));
	}
}
END_TEST

/* No stack overflow, whatever the nesting: brackets stop at the
 * tokenizer's 200, prefix operators and chains at 5,000 (CPython gives up
 * earlier), and anything below stays accepted. */
START_TEST(test_nesting)
{
	size_t n = 10000;
	char *s = ag_malloc(3 * n + 8);
	struct ag_pyparse_err e;

	memset(s, '(', n);
	memset(s + n, ')', n);
	ck_assert(!parse_n(s, 2 * n, 0, &e));
	ck_assert_msg(strstr(e.msg, "too many nested") != NULL, "%s", e.msg);

	memset(s, '-', n);
	s[n] = '1';
	ck_assert(!parse_n(s, n + 1, 0, &e));
	ck_assert_msg(strstr(e.msg, "too many nested") != NULL, "%s", e.msg);
	ck_assert(parse_n(s + n - 2000, 2001, 0, &e)); /* 2,000: CPython compiles it */

	for (size_t i = 0; i < n; i++)
		memcpy(s + 3 * i, "~~~", 3);
	s[3 * n] = 'x';
	ck_assert(!parse_n(s, 3 * n + 1, 0, &e));

	struct ag_buf b = {0};
	for (size_t i = 0; i < 6000; i++)
		ag_buf_adds(&b, "not ");
	ag_buf_adds(&b, "x\n");
	ck_assert(!parse_n(b.p, b.len, 0, &e));
	ck_assert_msg(strstr(e.msg, "too many nested") != NULL, "%s", e.msg);
	b.len = 0;
	for (size_t i = 0; i < 1000; i++)
		ag_buf_adds(&b, "a if b else lambda: ");
	ag_buf_adds(&b, "x\n");
	ck_assert_msg(parse_n(b.p, b.len, 0, &e), "%s", e.msg);
	b.len = 0;
	for (size_t i = 0; i < 199; i++)
		ag_buf_adds(&b, "[f(");
	for (size_t i = 0; i < 199; i++)
		ag_buf_adds(&b, ")]");
	/* 398 brackets: beyond the 200 the tokenizer allows */
	ck_assert(!parse_n(b.p, b.len, 0, &e));
	b.len = 0;
	for (size_t i = 0; i < 99; i++)
		ag_buf_adds(&b, "[f(");
	ag_buf_adds(&b, "x for x in y");
	for (size_t i = 0; i < 99; i++)
		ag_buf_adds(&b, ")]");
	ck_assert_msg(parse_n(b.p, b.len, 0, &e), "%s", e.msg);
	ag_buf_free(&b);
	free(s);
}
END_TEST

/* Garbage: every outcome is a clean answer; a fixed seed. */
START_TEST(test_garbage)
{
	unsigned seed = 12345;
	char buf[512];
	int rejected = 0;
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(round % 500);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* half the rounds from Python's own characters */
			static const char py[] = "()[]{}:;,.=+-*/@\n  \tabcdefifelsedefclass'\"#0123456789\\";
			buf[i] = round % 2 ? (char)(seed >> 16) : py[(seed >> 16) % (sizeof py - 1)];
		}
		struct ag_pyparse_err e;
		if (!parse_n(buf, len, 0, &e)) {
			rejected++;
			ck_assert(e.msg[0] != '\0');
			ck_assert_int_ge(e.line, 1);
		}
	}
	ck_assert_int_gt(rejected, 2500);
	struct ag_pyparse_err e;
	ck_assert(parse_n("", 0, 0, &e));
	ck_assert(parse_n("\n\n# only a comment", 17, 0, &e));
	ck_assert(!parse_n("x\0 = 1\n", 7, 0, &e));
}
END_TEST

Suite *pyparse_suite(void)
{
	Suite *s = suite_create("pyparse");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_valid_forms);
	tcase_add_test(tc, test_mistakes);
	tcase_add_test(tc, test_positions);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}
