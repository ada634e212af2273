#include "schemaread.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TYPE_TEXT_MAX 80 /* a type longer than this is shortened in messages */

void ag_schemaread_coltype_copy(struct ag_coltype *dst, const struct ag_coltype *src)
{
	*dst = *src;
	dst->text = src->text ? ag_strdup(src->text) : NULL;
	dst->project = src->project ? ag_strdup(src->project) : NULL;
}

void ag_schemaread_coltype_free(struct ag_coltype *t)
{
	free(t->text);
	free(t->project);
	memset(t, 0, sizeof *t);
}

/* ---- type names ------------------------------------------------------ */

bool ag_schemaread_in_list(const char *s, size_t n, const char *const *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

/* SQLAlchemy's generic and dialect type names, by what PostgreSQL makes of
 * them. Names are matched on the last part of the dotted path. */
static const char *const uuid_names[] = {"UUID", "Uuid", "UUIDType", "UNIQUEIDENTIFIER"};
static const char *const string_names[] = {"String", "Unicode", "Text",  "UnicodeText", "VARCHAR",
					   "NVARCHAR", "CHAR",   "NCHAR", "TEXT",        "CLOB",
					   "CITEXT"};
static const char *const integer_names[] = {"Integer", "BigInteger", "SmallInteger", "INTEGER",
					    "INT",     "BIGINT",     "SMALLINT"};
static const char *const other_names[] = {
	"Boolean",  "BOOLEAN", "Date",     "DATE",   "DateTime", "DATETIME", "TIMESTAMP",
	"Time",     "TIME",    "Interval", "INTERVAL", "Numeric", "NUMERIC", "DECIMAL",
	"Float",    "FLOAT",   "REAL",     "Double", "DOUBLE",  "DOUBLE_PRECISION",
	"JSON",     "JSONB",   "LargeBinary", "BYTEA", "BLOB",  "BINARY",   "VARBINARY",
	"Enum",     "ENUM",    "ARRAY",    "INET",   "CIDR",    "MACADDR",  "PickleType",
	"HSTORE",   "TSVECTOR", "MONEY",   "BIT",    "OID"};
/* Module names whose UUID type is tied to one database. */
static const char *const dialect_modules[] = {"postgresql", "postgres", "pg",    "psql",
					      "mssql",      "mysql",    "oracle", "sqlite",
					      "dialects"};

/* The last part of a dotted name. */
const char *ag_schemaread_last_part(const char *dotted)
{
	const char *d = strrchr(dotted, '.');
	return d ? d + 1 : dotted;
}

/* True when one of the dotted path's parts (all but the last) names a
 * dialect module. */
static bool path_is_dialect(const char *path)
{
	const char *last = ag_schemaread_last_part(path);
	for (const char *p = path; p < last;) {
		const char *dot = strchr(p, '.');
		size_t n = (size_t)(dot - p); /* p < last: a dot follows */
		if (ag_schemaread_in_list(p, n, dialect_modules, AG_ARRAY_LEN(dialect_modules)))
			return true;
		p = dot + 1;
	}
	return false;
}

/* Token tests run on every token of every file: no strlen per call. */
static bool tok_eq(const struct ag_tok *t, const char *s, size_t n)
{
	return t->len == n && memcmp(t->p, s, n) == 0;
}

bool ag_schemaread_is_op(const struct ag_tok *t, const char *s)
{
	return t->kind == AG_TOK_OP && t->len >= 1 && t->p[0] == s[0] && tok_eq(t, s, strlen(s));
}

bool ag_schemaread_is_name(const struct ag_tok *t, const char *s)
{
	return t->kind == AG_TOK_NAME && t->p[0] == s[0] && tok_eq(t, s, strlen(s));
}

/* Splits the arguments of the call whose '(' is at open. */
void ag_schemaread_split_args(const struct reader *r, size_t open, struct args *out)
{
	out->n = 0;
	size_t close = r->match[open];
	if (close == NONE)
		return;
	int depth = r->t[open].depth + 1;
	size_t s = open + 1;
	for (size_t k = open + 1; k <= close; k++) {
		const struct ag_tok *t = &r->t[k];
		bool end = k == close || (t->depth == depth && ag_schemaread_is_op(t, ","));
		if (!end)
			continue;
		if (k > s) {
			ag_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
			struct arg *a = &out->v[out->n++];
			memset(a, 0, sizeof *a);
			a->a = s;
			a->b = k;
			if (k - s >= 2 && r->t[s].kind == AG_TOK_NAME && ag_schemaread_is_op(&r->t[s + 1], "=")) {
				a->kw = r->t[s].p;
				a->kwlen = r->t[s].len;
				a->a = s + 2;
			} else if (ag_schemaread_is_op(&r->t[s], "*") || ag_schemaread_is_op(&r->t[s], "**")) {
				a->star = true;
			}
		}
		s = k + 1;
	}
}

/* The argument named kw, else the positional one at pos (when nothing
 * before it was a keyword or a star), else NULL. pos < 0: keyword only. */
const struct arg *ag_schemaread_arg_get(const struct args *as, int pos, const char *kw)
{
	size_t kl = kw ? strlen(kw) : 0;
	for (size_t i = 0; kw && i < as->n; i++)
		if (as->v[i].kw && as->v[i].kwlen == kl && memcmp(as->v[i].kw, kw, kl) == 0)
			return &as->v[i];
	if (pos < 0)
		return NULL;
	int p = 0;
	for (size_t i = 0; i < as->n; i++) {
		if (as->v[i].kw || as->v[i].star)
			return NULL;
		if (p++ == pos)
			return &as->v[i];
	}
	return NULL;
}

/* The value of a string literal (implicitly concatenated) filling [a, b),
 * or NULL. New. */
static char *str_value(const struct reader *r, size_t a, size_t b)
{
	if (a >= b)
		return NULL;
	struct ag_buf buf = {0};
	ag_buf_adds(&buf, "");
	for (size_t k = a; k < b; k++) {
		if (r->t[k].kind != AG_TOK_STRING || ag_pyscan_string(&r->t[k], &buf) != 1) {
			ag_buf_free(&buf);
			return NULL;
		}
	}
	return ag_buf_take(&buf);
}

char *ag_schemaread_arg_str(const struct reader *r, const struct arg *a)
{
	if (!a || a->star)
		return NULL;
	/* op.f("ix_name"): a name Alembic takes as written. */
	size_t k = a->a;
	if (a->b - k >= 5 && ag_schemaread_is_name(&r->t[k], "op") && ag_schemaread_is_op(&r->t[k + 1], ".") &&
	    ag_schemaread_is_name(&r->t[k + 2], "f") && ag_schemaread_is_op(&r->t[k + 3], "(") && r->match[k + 3] == a->b - 1)
		return str_value(r, k + 4, a->b - 1);
	return str_value(r, a->a, a->b);
}

/* A list or tuple of string literals (or one string) -> out. False when
 * it is anything else. */
bool ag_schemaread_arg_strlist(const struct reader *r, const struct arg *a, struct ag_strv *out)
{
	if (!a || a->star || a->a >= a->b)
		return false;
	char *one = str_value(r, a->a, a->b);
	if (one) {
		ag_strv_push_take(out, one);
		return true;
	}
	const struct ag_tok *t = &r->t[a->a];
	if (!(ag_schemaread_is_op(t, "[") || ag_schemaread_is_op(t, "(")) || r->match[a->a] != a->b - 1)
		return false;
	struct args items = {0};
	ag_schemaread_split_args(r, a->a, &items);
	bool ok = true;
	for (size_t i = 0; i < items.n && ok; i++) {
		char *s = items.v[i].kw ? NULL : ag_schemaread_arg_str(r, &items.v[i]);
		if (s)
			ag_strv_push_take(out, s);
		else
			ok = false;
	}
	free(items.v);
	return ok;
}

/* True when the argument is the name False. */
static bool arg_false(const struct reader *r, const struct arg *a)
{
	return a && a->b == a->a + 1 && ag_schemaread_is_name(&r->t[a->a], "False");
}

/* A dotted name starting at i: fills parts (joined with '.') and returns
 * the index after it. */
size_t ag_schemaread_dotted(const struct reader *r, size_t i, struct ag_buf *name, size_t *nparts)
{
	name->len = 0;
	ag_buf_adds(name, "");
	*nparts = 0;
	if (r->t[i].kind != AG_TOK_NAME || ag_tok_is_keyword(&r->t[i]))
		return i;
	ag_buf_add(name, r->t[i].p, r->t[i].len);
	*nparts = 1;
	i++;
	while (i + 1 < r->n && ag_schemaread_is_op(&r->t[i], ".") && r->t[i + 1].kind == AG_TOK_NAME) {
		ag_buf_addc(name, '.');
		ag_buf_add(name, r->t[i + 1].p, r->t[i + 1].len);
		(*nparts)++;
		i += 2;
	}
	return i;
}

/* The dotted path a name stands for after the file's imports. New. */
static char *resolve(const struct reader *r, const char *name)
{
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	for (size_t i = r->alias_names.n; i-- > 0;) {
		const char *a = r->alias_names.v[i];
		if (strlen(a) == n && memcmp(a, name, n) == 0)
			return ag_printf("%s%s", r->alias_paths.v[i], dot ? dot : "");
	}
	return ag_strdup(name);
}

/* Packages whose types are SQLAlchemy's own or a library's, never the
 * project's. */
static const char *const library_roots[] = {"sqlalchemy", "sqlalchemy_utils", "sqlmodel",
					    "alembic",    "geoalchemy2",      "sqlalchemy_json"};

/* True when name came from an absolute import of a module that is not a
 * library's: the project's own (from myapp.types import Uuid). */
static bool project_path(const struct reader *r, const char *name, const char *path)
{
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	bool imported = false;
	for (size_t i = 0; i < r->alias_names.n && !imported; i++)
		imported = strlen(r->alias_names.v[i]) == n && memcmp(r->alias_names.v[i], name, n) == 0;
	if (!imported || path[0] == '.' || !strchr(path, '.'))
		return false;
	const char *pd = strchr(path, '.');
	return !ag_schemaread_in_list(path, (size_t)(pd - path), library_roots, AG_ARRAY_LEN(library_roots));
}

static bool is_helper(const struct reader *r, const char *path)
{
	const char *last = ag_schemaread_last_part(path);
	for (size_t i = 0; r->helpers && i < r->helpers->n; i++)
		if (strcmp(last, ag_schemaread_last_part(r->helpers->v[i])) == 0)
			return true;
	return false;
}

/* The source text of tokens [a, b) on one line, shortened. New. */
static char *source_text(const struct reader *r, size_t a, size_t b)
{
	struct ag_buf buf = {0};
	ag_buf_adds(&buf, "");
	for (size_t k = a; k < b; k++) {
		const struct ag_tok *t = &r->t[k];
		if (t->kind == AG_TOK_NEWLINE || t->kind == AG_TOK_EOF)
			continue;
		/* A space where the source had one between two tokens. */
		if (k > a && t->p > r->t[k - 1].p + r->t[k - 1].len && buf.len &&
		    !(ag_schemaread_is_op(t, ")") || ag_schemaread_is_op(t, "]") || ag_schemaread_is_op(t, ",")) &&
		    buf.p[buf.len - 1] != '(' && buf.p[buf.len - 1] != '[')
			ag_buf_addc(&buf, ' ');
		for (size_t c = 0; c < t->len; c++)
			ag_buf_addc(&buf, (t->p[c] == '\n' || t->p[c] == '\r' || t->p[c] == '\t') ? ' '
												     : t->p[c]);
		if (buf.len > TYPE_TEXT_MAX)
			break;
	}
	if (buf.len > TYPE_TEXT_MAX) {
		size_t cut = TYPE_TEXT_MAX - 3;
		while (cut > 0 && ((unsigned char)buf.p[cut] & 0xc0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
		buf.len = cut;
		ag_buf_adds(&buf, "...");
	}
	return ag_buf_take(&buf);
}

const struct var *ag_schemaread_var_get(const struct reader *r, const char *name)
{
	for (size_t i = r->nvars; i-- > 0;)
		if (strcmp(r->vars[i].name, name) == 0)
			return &r->vars[i];
	return NULL;
}

/*
 * Classifies the type expression filling [a, b) into ct (zeroed first).
 * Understands NAME, NAME(args), a name bound to a type, and chains of
 * .with_variant(TYPE, "postgresql") (PostgreSQL gets the variant) or other
 * methods (ignored).
 */
void ag_schemaread_classify(struct reader *r, size_t a, size_t b, struct ag_coltype *ct)
{
	memset(ct, 0, sizeof *ct);
	if (a >= b)
		return;
	ct->line = r->t[a].line;
	ct->text = source_text(r, a, b);
	struct ag_buf name = {0};
	size_t np = 0;
	size_t k = ag_schemaread_dotted(r, a, &name, &np);
	if (!np) {
		ag_buf_free(&name);
		return;
	}
	const struct var *v = np == 1 && !(k < b && ag_schemaread_is_op(&r->t[k], "(")) ? ag_schemaread_var_get(r, name.p) : NULL;
	if (v) {
		/* The binding is where the type is written (and warned about):
		 * a use of the name carries the family only. */
		ct->family = v->type.family;
		free(ct->text);
		ct->text = v->type.text ? ag_strdup(v->type.text) : NULL;
	} else {
		char *path = resolve(r, name.p);
		const char *last = ag_schemaread_last_part(path);
		size_t ln = strlen(last);
		struct args as = {0};
		if (k < b && ag_schemaread_is_op(&r->t[k], "(") && r->match[k] != NONE && r->match[k] < b) {
			ag_schemaread_split_args(r, k, &as);
			k = r->match[k] + 1;
		}
		if (is_helper(r, path)) {
			ct->family = AG_TYPE_HELPER;
		} else if (ag_schemaread_in_list(last, ln, uuid_names, AG_ARRAY_LEN(uuid_names)) &&
			   project_path(r, name.p, path)) {
			/* The project's own type under a UUID type's name:
			 * a UUID until its module says otherwise. */
			ct->family = AG_TYPE_UUID;
			ct->project = ag_strdup(path);
		} else if (ag_schemaread_in_list(last, ln, uuid_names, AG_ARRAY_LEN(uuid_names))) {
			ct->family = AG_TYPE_UUID;
			ct->dialect = strcmp(last, "UNIQUEIDENTIFIER") == 0 || path_is_dialect(path);
			/* Uuid(native_uuid=False) is CHAR(32) everywhere;
			 * UUIDType(native=False) is BINARY(16) (bytea), or CHAR(32)
			 * with binary=False. */
			if (strcmp(last, "Uuid") == 0 && arg_false(r, ag_schemaread_arg_get(&as, -1, "native_uuid")))
				ct->family = AG_TYPE_STRING;
			if (strcmp(last, "UUIDType") == 0 && arg_false(r, ag_schemaread_arg_get(&as, -1, "native")))
				ct->family = arg_false(r, ag_schemaread_arg_get(&as, 0, "binary")) ? AG_TYPE_STRING
										      : AG_TYPE_OTHER;
		} else if (ag_schemaread_in_list(last, ln, string_names, AG_ARRAY_LEN(string_names))) {
			ct->family = AG_TYPE_STRING;
		} else if (ag_schemaread_in_list(last, ln, integer_names, AG_ARRAY_LEN(integer_names))) {
			ct->family = AG_TYPE_INTEGER;
		} else if (ag_schemaread_in_list(last, ln, other_names, AG_ARRAY_LEN(other_names))) {
			ct->family = AG_TYPE_OTHER;
		}
		free(as.v);
		free(path);
	}
	/* Method chains: .with_variant(T, "postgresql") decides what
	 * PostgreSQL gets; others (.evaluates_none()) keep the type. */
	while (k + 2 < b && ag_schemaread_is_op(&r->t[k], ".") && r->t[k + 1].kind == AG_TOK_NAME &&
	       ag_schemaread_is_op(&r->t[k + 2], "(") && r->match[k + 2] != NONE && r->match[k + 2] < b) {
		size_t open = k + 2;
		if (ag_tok_is(&r->t[k + 1], "with_variant")) {
			struct args as = {0};
			ag_schemaread_split_args(r, open, &as);
			const struct arg *t0 = ag_schemaread_arg_get(&as, 0, "type_");
			const struct arg *d = ag_schemaread_arg_get(&as, 1, "dialect_name");
			struct ag_strv names = {0};
			if (t0 && d && ag_schemaread_arg_strlist(r, d, &names) &&
			    (ag_strv_has(&names, "postgresql") || ag_strv_has(&names, "postgres"))) {
				struct ag_coltype var;
				ag_schemaread_classify(r, t0->a, t0->b, &var);
				/* A variant is scoped to its dialect already: that is
				 * the portable way to write one, not a slip. */
				ct->family = var.family;
				ct->dialect = false;
				ag_schemaread_coltype_free(&var);
			}
			ag_strv_free(&names);
			free(as.v);
		}
		k = r->match[open] + 1;
	}
	if (k != b) {
		/* An operator, a conditional...: only Python knows. */
		ct->family = AG_TYPE_UNKNOWN;
		ct->dialect = false;
	}
	ag_buf_free(&name);
}

void ag_schemaread_add_use(struct reader *r, const struct ag_coltype *ct)
{
	if (ct->family == AG_TYPE_UNKNOWN && !ct->text)
		return;
	struct ag_schema_file *f = r->out;
	ag_grow((void **)&f->uses, &f->capuses, f->nuses + 1, sizeof *f->uses);
	struct ag_schema_use *u = &f->uses[f->nuses++];
	ag_schemaread_coltype_copy(&u->type, ct);
	u->in_upgrade = r->region == R_UPGRADE;
}


/* The import path a plain name stands for, or NULL. */
static const char *alias_of(const struct reader *r, const char *name, size_t n)
{
	for (size_t i = r->alias_names.n; i-- > 0;) {
		const char *a = r->alias_names.v[i];
		if (strlen(a) == n && memcmp(a, name, n) == 0)
			return r->alias_paths.v[i];
	}
	return NULL;
}

/*
 * A call starting at a: NAME ('.' NAME)* '('. Returns the index of the '('
 * or NONE, with the callee's last part after the imports in last and lastlen
 * (`C(` after `from sqlalchemy import Column as C` is Column) and the
 * number of parts in *nparts. Allocates nothing: it runs on every name.
 */
size_t ag_schemaread_callee(const struct reader *r, size_t a, const char **last, size_t *lastlen,
		     size_t *nparts)
{
	if (a >= r->n || r->t[a].kind != AG_TOK_NAME)
		return NONE;
	size_t j = a + 1, np = 1;
	while (j + 1 < r->n && ag_schemaread_is_op(&r->t[j], ".") && r->t[j + 1].kind == AG_TOK_NAME) {
		j += 2;
		np++;
	}
	if (j >= r->n || !ag_schemaread_is_op(&r->t[j], "(") || r->match[j] == NONE)
		return NONE;
	const struct ag_tok *lt = &r->t[j - 1];
	*last = lt->p;
	*lastlen = lt->len;
	const char *path = np == 1 ? alias_of(r, lt->p, lt->len) : NULL;
	if (path) {
		*last = ag_schemaread_last_part(path);
		*lastlen = strlen(*last);
	}
	*nparts = np;
	return j;
}

/* The arguments [a, b) are exactly a call whose callee ends in name:
 * sa.Column(...) or Column(...). */
bool ag_schemaread_callee_is(const struct reader *r, size_t a, size_t b, const char *name, size_t *open)
{
	const char *last;
	size_t ll, np;
	size_t k = ag_schemaread_callee(r, a, &last, &ll, &np);
	if (k == NONE || r->match[k] != b - 1 || ll != strlen(name) || memcmp(last, name, ll) != 0)
		return false;
	if (open)
		*open = k;
	return true;
}

bool ag_schemaread_helper_last(const struct reader *r, const char *last, size_t n)
{
	for (size_t i = 0; r->helpers && i < r->helpers->n; i++) {
		const char *h = ag_schemaread_last_part(r->helpers->v[i]);
		if (strlen(h) == n && memcmp(h, last, n) == 0)
			return true;
	}
	return false;
}


enum tri ag_schemaread_arg_bool(const struct reader *r, const struct arg *a)
{
	if (!a)
		return T_ABSENT;
	if (a->b == a->a + 1 && ag_schemaread_is_name(&r->t[a->a], "False"))
		return T_FALSE;
	if (a->b == a->a + 1 && ag_schemaread_is_name(&r->t[a->a], "True"))
		return T_TRUE;
	return T_OTHER;
}

bool ag_schemaread_arg_none(const struct reader *r, const struct arg *a)
{
	return a && a->b == a->a + 1 && ag_schemaread_is_name(&r->t[a->a], "None");
}
static void alias_set(struct reader *r, const char *name, size_t n, const char *path)
{
	ag_strv_push_take(&r->alias_names, ag_strndup(name, n));
	ag_strv_push(&r->alias_paths, path);
}

/* import a.b [as c], ... | from m import x [as y], ... ; i is the keyword. */
size_t ag_schemaread_read_import(struct reader *r, size_t i)
{
	struct ag_buf name = {0}, mod = {0};
	size_t np = 0;
	if (ag_schemaread_is_name(&r->t[i], "import")) {
		i++;
		for (;;) {
			size_t k = ag_schemaread_dotted(r, i, &name, &np);
			if (!np)
				break;
			i = k;
			if (ag_schemaread_is_name(&r->t[i], "as") && r->t[i + 1].kind == AG_TOK_NAME) {
				alias_set(r, r->t[i + 1].p, r->t[i + 1].len, name.p);
				i += 2;
			}
			if (!ag_schemaread_is_op(&r->t[i], ","))
				break;
			i++;
		}
	} else {
		i++; /* from */
		ag_buf_adds(&mod, "");
		while (ag_schemaread_is_op(&r->t[i], ".") || ag_schemaread_is_op(&r->t[i], "...")) {
			ag_buf_add(&mod, r->t[i].p, r->t[i].len);
			i++;
		}
		size_t k = ag_schemaread_dotted(r, i, &name, &np);
		if (np) {
			ag_buf_adds(&mod, name.p);
			i = k;
		}
		if (!ag_schemaread_is_name(&r->t[i], "import"))
			goto out;
		i++;
		if (ag_schemaread_is_op(&r->t[i], "("))
			i++;
		while (r->t[i].kind == AG_TOK_NAME && !ag_tok_is_keyword(&r->t[i])) {
			const struct ag_tok *x = &r->t[i];
			const struct ag_tok *bind = x;
			i++;
			if (ag_schemaread_is_name(&r->t[i], "as") && r->t[i + 1].kind == AG_TOK_NAME) {
				bind = &r->t[i + 1];
				i += 2;
			}
			char *path = ag_printf("%s%s%.*s", mod.p,
					       mod.len && mod.p[mod.len - 1] != '.' ? "." : "",
					       (int)x->len, x->p);
			alias_set(r, bind->p, bind->len, path);
			free(path);
			if (!ag_schemaread_is_op(&r->t[i], ","))
				break;
			i++;
		}
	}
out:
	ag_buf_free(&name);
	ag_buf_free(&mod);
	return i;
}

/* The end of the statement that starts at i: its NEWLINE (or EOF). */
static size_t stmt_end(const struct reader *r, size_t i)
{
	while (i < r->n && r->t[i].kind != AG_TOK_NEWLINE && r->t[i].kind != AG_TOK_EOF &&
	       !(r->t[i].depth == 0 && ag_schemaread_is_op(&r->t[i], ";")))
		i++;
	return i;
}

/* NAME = <type>: remembers the name when the value is a type we know. */
void ag_schemaread_read_assignment(struct reader *r, size_t i)
{
	size_t end = stmt_end(r, i);
	if (i + 2 >= end)
		return;
	struct ag_coltype ct;
	ag_schemaread_classify(r, i + 2, end, &ct);
	if (ct.family == AG_TYPE_UNKNOWN) {
		ag_schemaread_coltype_free(&ct);
		return;
	}
	if (ct.dialect)
		ag_schemaread_add_use(r, &ct);
	ag_grow((void **)&r->vars, &r->capvars, r->nvars + 1, sizeof *r->vars);
	struct var *v = &r->vars[r->nvars++];
	v->name = ag_strndup(r->t[i].p, r->t[i].len);
	v->type = ct;
	v->a = i + 2;
	v->b = end;
}


const char *ag_schemaread_batch_table(const struct reader *r, const char *name)
{
	for (size_t i = r->batch_names.n; i-- > 0;)
		if (strcmp(r->batch_names.v[i], name) == 0)
			return r->batch_tables.v[i];
	return NULL;
}

/* Pairs every bracket with its closer. */
static void match_brackets(struct reader *r)
{
	r->match = ag_malloc(r->n * sizeof *r->match);
	size_t *stack = ag_malloc((AG_PYSCAN_MAX_DEPTH + 1) * sizeof *stack);
	size_t sp = 0;
	for (size_t i = 0; i < r->n; i++) {
		r->match[i] = NONE;
		const struct ag_tok *t = &r->t[i];
		if (t->kind != AG_TOK_OP || t->len != 1)
			continue;
		char c = t->p[0];
		if ((c == '(' || c == '[' || c == '{') && sp <= AG_PYSCAN_MAX_DEPTH) {
			stack[sp++] = i;
		} else if ((c == ')' || c == ']' || c == '}') && sp) {
			r->match[stack[--sp]] = i;
		}
	}
	free(stack);
}

/* Every token of buf into r->t, brackets matched; false (nothing kept)
 * when pyscan cannot read it. The tokens another reader kept (keep: the
 * whole file, under the limit) are taken instead of scanning again. */
bool ag_schemaread_tokenize(struct reader *r, const char *buf, size_t len, struct ag_toks *keep)
{
	if (keep && keep->done && !keep->over && keep->n <= AG_SCHEMA_MAX_TOKENS + 1) {
		r->t = keep->v;
		r->n = keep->n;
		memset(keep, 0, sizeof *keep);
		match_brackets(r);
		return true;
	}
	if (keep) {
		/* The scanner's own verdict, reached already: an error, or more
		 * tokens than this reader keeps. Scanning again would end the
		 * same way, holding a second list meanwhile. */
		bool same_end = keep->error || (keep->over && keep->max >= AG_SCHEMA_MAX_TOKENS + 1);
		ag_toks_free(keep); /* a part (the parse stopped early) is no use */
		if (same_end)
			return false;
	}
	struct ag_pyscan s;
	ag_pyscan_init(&s, buf, len);
	/* Migrations run to about one token per five bytes: one allocation
	 * for most files. */
	size_t cap = len / 4 + 64;
	if (cap > AG_SCHEMA_MAX_TOKENS + 1)
		cap = AG_SCHEMA_MAX_TOKENS + 1;
	r->t = ag_malloc(cap * sizeof *r->t);
	r->n = 0;
	for (;;) {
		ag_grow((void **)&r->t, &cap, r->n + 1, sizeof *r->t);
		enum ag_tok_kind k = ag_pyscan_next(&s, &r->t[r->n]);
		/* Every token is kept (56 bytes with its bracket match), so a
		 * token-dense file would cost forty times its size: past the
		 * limit the file is not modelled, as one pyscan cannot read. */
		if (k == AG_TOK_ERROR || (k != AG_TOK_EOF && r->n >= AG_SCHEMA_MAX_TOKENS)) {
			free(r->t);
			r->t = NULL;
			r->n = 0;
			return false;
		}
		r->n++;
		if (k == AG_TOK_EOF)
			break;
	}
	match_brackets(r);
	return true;
}

/* ---- the project's own types ------------------------------------------ */

#define MODULE_MAX ((size_t)4 << 20) /* a module larger than this is not read */
#define ROOT_LEVELS 12               /* ancestors searched for a module */
#define REEXPORT_DEPTH 4             /* `from a import X` followed this often */

/* The family SQLAlchemy's type of this name has (by its last part). */
static enum ag_type_family family_of_name(const char *path)
{
	const char *last = ag_schemaread_last_part(path);
	size_t ln = strlen(last);
	if (ag_schemaread_in_list(last, ln, uuid_names, AG_ARRAY_LEN(uuid_names)))
		return AG_TYPE_UUID;
	if (ag_schemaread_in_list(last, ln, string_names, AG_ARRAY_LEN(string_names)))
		return AG_TYPE_STRING;
	if (ag_schemaread_in_list(last, ln, integer_names, AG_ARRAY_LEN(integer_names)))
		return AG_TYPE_INTEGER;
	if (ag_schemaread_in_list(last, ln, other_names, AG_ARRAY_LEN(other_names)))
		return AG_TYPE_OTHER;
	return AG_TYPE_UNKNOWN;
}

static bool exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The file of module mod ("myapp/types", slashes for dots) in dir or one
 * of its ancestors, up to a project root. New, or NULL. */
static char *find_module(const char *dir, const char *mod)
{
	char *d = realpath(dir, NULL);
	for (int level = 0; d && level < ROOT_LEVELS; level++) {
		char *a = ag_printf("%s/%s.py", d, mod);
		if (exists(a)) {
			free(d);
			return a;
		}
		free(a);
		a = ag_printf("%s/%s/__init__.py", d, mod);
		if (exists(a)) {
			free(d);
			return a;
		}
		free(a);
		static const char *const roots[] = {".git", "pyproject.toml", "setup.py", "setup.cfg"};
		bool root = false;
		for (size_t i = 0; i < AG_ARRAY_LEN(roots) && !root; i++) {
			char *m = ag_printf("%s/%s", d, roots[i]);
			root = access(m, F_OK) == 0;
			free(m);
		}
		char *slash = strrchr(d, '/');
		if (root || !slash || slash == d)
			break;
		*slash = '\0';
	}
	free(d);
	return NULL;
}

void ag_schemaread_free(struct reader *r)
{
	for (size_t i = 0; i < r->nvars; i++) {
		free(r->vars[i].name);
		ag_schemaread_coltype_free(&r->vars[i].type);
	}
	free(r->vars);
	ag_strv_free(&r->alias_names);
	ag_strv_free(&r->alias_paths);
	ag_strv_free(&r->batch_names);
	ag_strv_free(&r->batch_tables);
	ag_strv_free(&r->qual_names);
	ag_strv_free(&r->qual_schemas);
	free(r->match);
	free(r->t);
}

bool ag_schemaread_class_family(const char *dir, const char *path, int depth, enum ag_type_family *fam);

/* The family of class cls as module file mfile defines it: its `impl`,
 * or the helper family when load_dialect_impl picks a type by dialect;
 * through a re-export (`from x import cls`) when it only imports it. */
static bool module_family(const char *dir, const char *mfile, const char *cls, int depth,
			  enum ag_type_family *fam)
{
	size_t len = 0;
	char *buf = ag_read_file(mfile, &len);
	if (!buf || len > MODULE_MAX) {
		free(buf);
		return false;
	}
	struct reader r;
	memset(&r, 0, sizeof r);
	struct ag_schema_file scratch = {0};
	r.out = &scratch;
	bool ok = false;
	if (!ag_schemaread_tokenize(&r, buf, len, NULL))
		goto out;
	size_t body = NONE;
	for (size_t i = 0; i + 1 < r.n; i++) {
		const struct ag_tok *t = &r.t[i];
		if (!(t->flags & AG_TOK_STMT))
			continue;
		if (ag_schemaread_is_name(t, "import") || ag_schemaread_is_name(t, "from")) {
			size_t k = ag_schemaread_read_import(&r, i);
			i = k > i ? k - 1 : i;
		} else if (t->indent == 0 && ag_schemaread_is_name(t, "class") && tok_eq(&r.t[i + 1], cls, strlen(cls))) {
			body = i;
		}
	}
	if (body != NONE) {
		bool by_dialect = false;
		struct ag_coltype ct = {0};
		for (size_t i = body + 1; i + 1 < r.n; i++) {
			const struct ag_tok *t = &r.t[i];
			if ((t->flags & AG_TOK_STMT) && t->indent == 0)
				break;
			if (ag_schemaread_is_name(t, "load_dialect_impl"))
				by_dialect = true;
			if ((t->flags & AG_TOK_STMT) && ag_schemaread_is_name(t, "impl") && ag_schemaread_is_op(&r.t[i + 1], "=") &&
			    !ct.line) {
				size_t e = i + 2;
				while (e < r.n && r.t[e].kind != AG_TOK_NEWLINE && r.t[e].kind != AG_TOK_EOF)
					e++;
				ag_schemaread_coltype_free(&ct);
				ag_schemaread_classify(&r, i + 2, e, &ct);
			}
		}
		if (by_dialect) {
			*fam = AG_TYPE_HELPER;
			ok = true;
		} else if (ct.project) {
			ok = depth < REEXPORT_DEPTH && ag_schemaread_class_family(dir, ct.project, depth + 1, fam);
		} else if (ct.family != AG_TYPE_UNKNOWN) {
			*fam = ct.family;
			ok = true;
		}
		ag_schemaread_coltype_free(&ct);
	} else {
		for (size_t i = r.alias_names.n; i-- > 0;) {
			if (strcmp(r.alias_names.v[i], cls) != 0)
				continue;
			const char *p = r.alias_paths.v[i];
			const char *pd = strchr(p, '.');
			if (pd && ag_schemaread_in_list(p, (size_t)(pd - p), library_roots, AG_ARRAY_LEN(library_roots))) {
				*fam = family_of_name(p);
				ok = *fam != AG_TYPE_UNKNOWN;
			} else if (p[0] != '.' && depth < REEXPORT_DEPTH) {
				ok = ag_schemaread_class_family(dir, p, depth + 1, fam);
			}
			break;
		}
	}
out:
	ag_schemaread_free(&r);
	ag_schema_file_free(&scratch);
	free(buf);
	return ok;
}

/* The family of the project's class at import path (a.b.Cls), looked
 * for from dir up. */
bool ag_schemaread_class_family(const char *dir, const char *path, int depth, enum ag_type_family *fam)
{
	const char *dot = strrchr(path, '.');
	if (!dot || dot == path)
		return false;
	char *mod = ag_strndup(path, (size_t)(dot - path));
	for (char *c = mod; *c; c++)
		if (*c == '.')
			*c = '/';
	char *mfile = find_module(dir, mod);
	bool ok = mfile && module_family(dir, mfile, dot + 1, depth, fam);
	free(mfile);
	free(mod);
	return ok;
}
