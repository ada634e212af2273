#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/pyparse.h"
#include "lib/pyscan.h"
#include "lib/schema.h"
#include "tests/suites.h"

/* ---- helpers --------------------------------------------------------- */

static struct ag_strv helpers;

static void read_src(struct ag_schema_file *f, const char *src)
{
	memset(f, 0, sizeof *f);
	if (!helpers.n)
		ag_strv_push(&helpers, "app.types.get_uuid_type");
	ag_schema_read(f, src, strlen(src), &helpers);
}

/* The n-th operation of a kind. */
static const struct ag_schema_op *op_of(const struct ag_schema_file *f, enum ag_schema_op_kind k,
					int n)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == k && n-- == 0)
			return &f->v[i];
	return NULL;
}

static const struct ag_schema_op *column(const struct ag_schema_file *f, const char *table,
					 const char *col)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == AG_SOP_COLUMN && strcmp(f->v[i].table, table) == 0 &&
		    strcmp(f->v[i].column, col) == 0)
			return &f->v[i];
	return NULL;
}

/* The family of the type of `Column('c', <TYPE>)` with prelude before. */
static enum ag_type_family family_of(const char *prelude, const char *type, bool *dialect)
{
	char src[2048];
	snprintf(src, sizeof src,
		 "%s\ndef upgrade():\n    op.create_table('t', sa.Column('c', %s))\n", prelude, type);
	struct ag_schema_file f;
	read_src(&f, src);
	const struct ag_schema_op *op = column(&f, "t", "c");
	ck_assert_msg(op != NULL, "no column read from: %s", src);
	enum ag_type_family fam = op->type.family;
	if (dialect)
		*dialect = op->type.dialect;
	ag_schema_file_free(&f);
	return fam;
}

/* ---- reading: types --------------------------------------------------- */

START_TEST(test_type_spellings)
{
	bool d = false;
	const char *sa = "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n";
	ck_assert_int_eq(family_of(sa, "postgresql.UUID(as_uuid=True)", &d), AG_TYPE_UUID);
	ck_assert(d);
	ck_assert_int_eq(family_of(sa, "sa.UUID()", &d), AG_TYPE_UUID);
	ck_assert(!d); /* SQLAlchemy 2's generic UUID is not a dialect's */
	ck_assert_int_eq(family_of(sa, "sa.Uuid", &d), AG_TYPE_UUID);
	ck_assert(!d);
	ck_assert_int_eq(family_of(sa, "sa.String(36)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "sa.String(length=36)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "sa.types.CHAR(36)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "sa.Text", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "postgresql.VARCHAR(36)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "sa.Integer()", NULL), AG_TYPE_INTEGER);
	ck_assert_int_eq(family_of(sa, "sa.BigInteger", NULL), AG_TYPE_INTEGER);
	ck_assert_int_eq(family_of(sa, "sa.DateTime(timezone=True)", NULL), AG_TYPE_OTHER);
	ck_assert_int_eq(family_of(sa, "postgresql.JSONB(astext_type=sa.Text())", NULL), AG_TYPE_OTHER);
	ck_assert_int_eq(family_of(sa, "MyGuid()", NULL), AG_TYPE_UNKNOWN);
	ck_assert_int_eq(family_of(sa, "sa.String(36) if PG else sa.Integer", NULL), AG_TYPE_UNKNOWN);
}
END_TEST

START_TEST(test_type_imports)
{
	bool d = false;
	/* Without a module prefix, through the file's imports. */
	ck_assert_int_eq(family_of("from sqlalchemy import String", "String(36)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of("from sqlalchemy import (\n    Integer,\n    String as S,\n)",
				   "S(36)", NULL),
			 AG_TYPE_STRING);
	ck_assert_int_eq(family_of("from sqlalchemy.dialects.postgresql import UUID", "UUID()", &d),
			 AG_TYPE_UUID);
	ck_assert(d);
	ck_assert_int_eq(family_of("from sqlalchemy.dialects.postgresql import UUID as PGUUID",
				   "PGUUID(as_uuid=True)", &d),
			 AG_TYPE_UUID);
	ck_assert(d);
	ck_assert_int_eq(family_of("import sqlalchemy.dialects.postgresql as pgd", "pgd.UUID", &d),
			 AG_TYPE_UUID);
	ck_assert(d);
	ck_assert_int_eq(family_of("from sqlalchemy import UUID", "UUID", &d), AG_TYPE_UUID);
	ck_assert(!d);
	ck_assert_int_eq(family_of("from sqlalchemy_utils import UUIDType", "UUIDType(binary=False)", &d),
			 AG_TYPE_UUID);
	/* An alias that hides a type under another name. */
	ck_assert_int_eq(family_of("from sqlalchemy import Integer as String", "String()", NULL),
			 AG_TYPE_INTEGER);
	ck_assert_int_eq(family_of("from sqlalchemy import Text as UUID", "UUID()", NULL),
			 AG_TYPE_STRING);
}
END_TEST

START_TEST(test_type_arguments)
{
	const char *sa = "import sqlalchemy as sa\nimport sqlalchemy_utils\n";
	/* Uuid(native_uuid=False) is CHAR(32) on every database. */
	ck_assert_int_eq(family_of(sa, "sa.Uuid(native_uuid=False)", NULL), AG_TYPE_STRING);
	ck_assert_int_eq(family_of(sa, "sa.Uuid(as_uuid=False)", NULL), AG_TYPE_UUID);
	/* UUIDType(native=False) is BINARY(16) (bytea), or CHAR(32). */
	ck_assert_int_eq(family_of(sa, "sqlalchemy_utils.UUIDType(native=False)", NULL), AG_TYPE_OTHER);
	ck_assert_int_eq(family_of(sa, "sqlalchemy_utils.UUIDType(native=False, binary=False)", NULL),
			 AG_TYPE_STRING);
	/* with_variant: what PostgreSQL gets counts, and it is not a slip. */
	bool d = true;
	ck_assert_int_eq(family_of("import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql",
				   "sa.String(36).with_variant(postgresql.UUID(), 'postgresql')", &d),
			 AG_TYPE_UUID);
	ck_assert(!d);
	ck_assert_int_eq(family_of("import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql",
				   "postgresql.UUID().with_variant(sa.String(36), 'sqlite')", NULL),
			 AG_TYPE_UUID);
	ck_assert_int_eq(family_of(sa, "sa.String(36).evaluates_none()", NULL), AG_TYPE_STRING);
	/* The helper, by its last name, whatever the import path. */
	ck_assert_int_eq(family_of("from app.types import get_uuid_type", "get_uuid_type()", NULL),
			 AG_TYPE_HELPER);
	ck_assert_int_eq(family_of("import app", "app.types.get_uuid_type()", NULL), AG_TYPE_HELPER);
}
END_TEST

START_TEST(test_type_bound_to_name)
{
	struct ag_schema_file f;
	read_src(&f, "import sqlalchemy as sa\n"
		     "from sqlalchemy.dialects import postgresql\n"
		     "uuid_t = postgresql.UUID(as_uuid=True)\n"
		     "def upgrade():\n"
		     "    text_t = sa.Text()\n"
		     "    op.create_table('t', sa.Column('a', uuid_t), sa.Column('b', text_t))\n");
	ck_assert_int_eq(column(&f, "t", "a")->type.family, AG_TYPE_UUID);
	ck_assert_str_eq(column(&f, "t", "a")->type.text, "postgresql.UUID(as_uuid=True)");
	/* The binding is where the dialect type is written: one use, line 3. */
	ck_assert(!column(&f, "t", "a")->type.dialect);
	size_t dialect_uses = 0;
	for (size_t i = 0; i < f.nuses; i++)
		if (f.uses[i].type.dialect) {
			dialect_uses++;
			ck_assert_int_eq(f.uses[i].type.line, 3);
		}
	ck_assert_uint_eq(dialect_uses, 1);
	ck_assert_int_eq(column(&f, "t", "b")->type.family, AG_TYPE_STRING);
	ag_schema_file_free(&f);
}
END_TEST

/* ---- reading: operations ---------------------------------------------- */

START_TEST(test_create_table_forms)
{
	struct ag_schema_file f;
	read_src(&f, "\"\"\"create things\n\nRevision ID: x\nCreate Date: 2024-05-06 07:08:09.1\n\"\"\"\n"
		     "from alembic import op\n"
		     "import sqlalchemy as sa\n"
		     "\n"
		     "def upgrade():\n"
		     "    op.create_table(\n"                                    /* 10 */
		     "        'posts',\n"
		     "        sa.Column('id', sa.Integer, primary_key=True),\n"
		     "        sa.Column('user_id', sa.String(36),\n"
		     "                  sa.ForeignKey('accounts.id', ondelete='CASCADE'),\n"
		     "                  nullable=False),\n"                          /* 15 */
		     "        sa.Column(name='org_id', type_=sa.Integer()),\n"
		     "        sa.ForeignKeyConstraint(['org_id'], ['orgs.id']),\n"
		     "        sa.ForeignKeyConstraint(columns=['a', 'b'], refcolumns=['x.a', 'x.b']),\n"
		     "        schema='app',\n"
		     "    )\n");
	ck_assert(f.tokenized);
	const struct ag_schema_op *t = op_of(&f, AG_SOP_CREATE_TABLE, 0);
	ck_assert_str_eq(t->table, "app.posts");
	ck_assert_int_eq(t->line, 10);
	const struct ag_schema_op *c = column(&f, "app.posts", "user_id");
	ck_assert_int_eq(c->type.family, AG_TYPE_STRING);
	ck_assert_int_eq(c->line, 13);
	ck_assert_int_eq(c->type.line, 13);
	ck_assert_str_eq(c->type.text, "sa.String(36)");
	ck_assert_int_eq(column(&f, "app.posts", "org_id")->type.family, AG_TYPE_INTEGER);
	/* Keys come after every column of the table, in order. */
	const struct ag_schema_op *k0 = op_of(&f, AG_SOP_FOREIGN_KEY, 0);
	ck_assert_str_eq(k0->table, "app.posts");
	ck_assert_str_eq(k0->ref_table, "accounts");
	ck_assert_str_eq(k0->cols.v[0], "user_id");
	ck_assert_str_eq(k0->ref_cols.v[0], "id");
	ck_assert_int_eq(k0->line, 14); /* the ForeignKey, not the Column */
	const struct ag_schema_op *k1 = op_of(&f, AG_SOP_FOREIGN_KEY, 1);
	ck_assert_str_eq(k1->ref_table, "orgs");
	ck_assert_int_eq(k1->line, 17);
	const struct ag_schema_op *k2 = op_of(&f, AG_SOP_FOREIGN_KEY, 2);
	ck_assert_uint_eq(k2->cols.n, 2);
	ck_assert_str_eq(k2->ref_table, "x");
	ck_assert_str_eq(k2->ref_cols.v[1], "b");
	ck_assert_int_eq(k2->line, 18);
	ck_assert_ptr_null(op_of(&f, AG_SOP_FOREIGN_KEY, 3));
	ck_assert(t < c && c < k0); /* in upgrade order */
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_other_op_forms)
{
	struct ag_schema_file f;
	read_src(&f, "import sqlalchemy as sa\n"
		     "from sqlalchemy.dialects import postgresql\n"
		     "def upgrade() -> None:\n"
		     "    op.add_column('t', sa.Column('a', sa.String(36)))\n"
		     "    op.add_column(table_name='t', column=sa.Column('b', sa.Integer), schema='s')\n"
		     "    op.alter_column('t', 'a', type_=postgresql.UUID(), new_column_name='aa')\n"
		     "    op.alter_column(table_name='t', column_name='b', nullable=True)\n"
		     "    op.drop_column('t', 'aa')\n"
		     "    op.drop_table('u')\n"
		     "    op.rename_table('t', 'v')\n"
		     "    op.rename_table(old_table_name='v', new_table_name='w')\n"
		     "    op.create_foreign_key('fk', 't', 'u', ['a'], ['id'])\n"
		     "    op.create_foreign_key(constraint_name='fk2', source_table='t',\n"
		     "        referent_table='u', local_cols=['b'], remote_cols=['id'],\n"
		     "        referent_schema='r')\n"
		     "    alembic.op.drop_table('z')\n");
	ck_assert_int_eq(column(&f, "t", "a")->line, 4);
	ck_assert_int_eq(column(&f, "s.t", "b")->type.family, AG_TYPE_INTEGER);
	const struct ag_schema_op *a = op_of(&f, AG_SOP_ALTER, 0);
	ck_assert_str_eq(a->column, "a");
	ck_assert_str_eq(a->new_name, "aa");
	ck_assert_int_eq(a->type.family, AG_TYPE_UUID);
	ck_assert_int_eq(a->line, 6);
	const struct ag_schema_op *a2 = op_of(&f, AG_SOP_ALTER, 1);
	ck_assert_str_eq(a2->column, "b");
	ck_assert_int_eq(a2->type.line, 0); /* no type_: the type is unchanged */
	ck_assert_str_eq(op_of(&f, AG_SOP_DROP_COLUMN, 0)->column, "aa");
	ck_assert_str_eq(op_of(&f, AG_SOP_DROP_TABLE, 0)->table, "u");
	ck_assert_str_eq(op_of(&f, AG_SOP_DROP_TABLE, 1)->table, "z");
	ck_assert_str_eq(op_of(&f, AG_SOP_RENAME_TABLE, 0)->new_name, "v");
	ck_assert_str_eq(op_of(&f, AG_SOP_RENAME_TABLE, 1)->table, "v");
	ck_assert_str_eq(op_of(&f, AG_SOP_RENAME_TABLE, 1)->new_name, "w");
	const struct ag_schema_op *k = op_of(&f, AG_SOP_FOREIGN_KEY, 0);
	ck_assert_str_eq(k->table, "t");
	ck_assert_str_eq(k->ref_table, "u");
	ck_assert_int_eq(k->line, 12);
	const struct ag_schema_op *k2 = op_of(&f, AG_SOP_FOREIGN_KEY, 1);
	ck_assert_str_eq(k2->ref_table, "r.u");
	ck_assert_str_eq(k2->cols.v[0], "b");
	ck_assert_int_eq(k2->line, 13);
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_batch)
{
	struct ag_schema_file f;
	read_src(&f, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    with op.batch_alter_table('t', schema='s') as b:\n"
		     "        b.add_column(sa.Column('x', sa.Text()))\n"
		     "        b.alter_column('x', type_=sa.Integer)\n"
		     "        b.create_foreign_key('fk', 'u', ['x'], ['id'])\n"
		     "        b.drop_column('x')\n"
		     "    other.add_column(sa.Column('y', sa.Text()))\n");
	ck_assert_int_eq(column(&f, "s.t", "x")->type.family, AG_TYPE_STRING);
	ck_assert_str_eq(op_of(&f, AG_SOP_ALTER, 0)->table, "s.t");
	ck_assert_int_eq(op_of(&f, AG_SOP_ALTER, 0)->type.family, AG_TYPE_INTEGER);
	ck_assert_str_eq(op_of(&f, AG_SOP_FOREIGN_KEY, 0)->table, "s.t");
	ck_assert_str_eq(op_of(&f, AG_SOP_FOREIGN_KEY, 0)->ref_table, "u");
	ck_assert_int_eq(op_of(&f, AG_SOP_FOREIGN_KEY, 0)->line, 6);
	ck_assert_str_eq(op_of(&f, AG_SOP_DROP_COLUMN, 0)->column, "x");
	ck_assert_ptr_null(column(&f, "s.t", "y")); /* not a batch, not op */
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_only_upgrade_counts)
{
	struct ag_schema_file f;
	read_src(&f, "from app.types import get_uuid_type\n"
		     "import sqlalchemy as sa\n"
		     "from sqlalchemy.dialects import postgresql\n"
		     "op.create_table('module_level', sa.Column('a', sa.Integer))\n"
		     "def get_uuid_type():\n"
		     "    return None\n"
		     "def helper():\n"
		     "    op.create_table('in_helper', sa.Column('a', sa.Integer))\n"
		     "def upgrade():\n"
		     "    op.create_table('t', sa.Column('a', sa.Integer))\n"
		     "    # op.create_table('comment', sa.Column('a', sa.Integer))\n"
		     "    op.execute(\"op.create_table('string', sa.Column('a', sa.Integer))\")\n"
		     "def downgrade():\n"
		     "    op.add_column('t', sa.Column('b', postgresql.UUID()))\n");
	ck_assert_uint_eq(f.n, 3); /* create_table, its column, the op.execute */
	ck_assert_str_eq(f.v[0].table, "t");
	ck_assert_int_eq(f.v[2].kind, AG_SOP_EXECUTE);
	ck_assert(!f.calls_helper); /* defined here, never called */
	/* Types written outside upgrade() are still uses (for uuid-dialect-type). */
	bool seen = false;
	for (size_t i = 0; i < f.nuses; i++)
		if (f.uses[i].type.dialect) {
			seen = true;
			ck_assert(!f.uses[i].in_upgrade);
			ck_assert_int_eq(f.uses[i].type.line, 14);
		}
	ck_assert(seen);
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_helper_calls)
{
	struct ag_schema_file f;
	read_src(&f, "from app.types import get_uuid_type as guid\n"
		     "def upgrade():\n"
		     "    x = guid()\n");
	ck_assert(f.calls_helper);
	ag_schema_file_free(&f);
	read_src(&f, "def upgrade():\n    x = get_uuid_type\n");
	ck_assert(!f.calls_helper);
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_unreadable_and_odd_input)
{
	struct ag_schema_file f;
	/* Not Python pyscan can read: nothing, and no crash. */
	read_src(&f, "def upgrade():\n    op.create_table('t', sa.Column('a', sa.Integer)\n");
	ck_assert(!f.tokenized);
	ck_assert_uint_eq(f.n, 0);
	ag_schema_file_free(&f);
	read_src(&f, "def upgrade():\n    op.create_table('t', 'unterminated)\n");
	ck_assert(!f.tokenized);
	ag_schema_file_free(&f);
	/* Forms that say nothing certain: no operation, no crash. */
	read_src(&f, "def upgrade():\n"
		     "    op.create_table(*args)\n"
		     "    op.create_table(name)\n"
		     "    op.add_column('t', col)\n"
		     "    op.add_column('t', sa.Column(n, sa.Integer))\n"
		     "    op.create_foreign_key('fk', 't', 'u', cols, ['id'])\n"
		     "    op.create_foreign_key('fk', 't', 'u', ['a', 'b'], ['id'])\n"
		     "    op.create_table('t', sa.ForeignKeyConstraint(['a'], [users.c.id]))\n"
		     "    op.create_table('t2', sa.Column('a', sa.ForeignKey('nodot')))\n"
		     "    op.alter_column()\n"
		     "    op.drop_column('t')\n"
		     "    op.rename_table('t')\n"
		     "    op.create_table(\n");
	ck_assert(!f.tokenized);
	ag_schema_file_free(&f);
	read_src(&f, "def upgrade():\n"
		     "    op.create_table(*args)\n"
		     "    op.create_table(name)\n"
		     "    op.add_column('t', col)\n"
		     "    op.add_column('t', sa.Column(n, sa.Integer))\n"
		     "    op.create_foreign_key('fk', 't', 'u', cols, ['id'])\n"
		     "    op.create_foreign_key('fk', 't', 'u', ['a', 'b'], ['id'])\n"
		     "    op.create_table('t', sa.ForeignKeyConstraint(['a'], [users.c.id]))\n"
		     "    op.create_table('t2', sa.Column('a', sa.ForeignKey('nodot')))\n"
		     "    op.alter_column()\n"
		     "    op.drop_column('t')\n"
		     "    op.rename_table('t')\n");
	ck_assert(f.tokenized);
	ck_assert_ptr_null(op_of(&f, AG_SOP_FOREIGN_KEY, 0));
	ck_assert_ptr_null(op_of(&f, AG_SOP_ALTER, 0));
	ck_assert_ptr_null(op_of(&f, AG_SOP_DROP_COLUMN, 0));
	ck_assert_ptr_null(op_of(&f, AG_SOP_RENAME_TABLE, 0));
	ck_assert_ptr_null(column(&f, "t", "n"));
	ck_assert(column(&f, "t2", "a")->type_from_key);
	ck_assert_int_eq(column(&f, "t2", "a")->type.family, AG_TYPE_UNKNOWN);
	ag_schema_file_free(&f);
	/* Not UTF-8, a NUL byte, nothing at all. */
	static const char bad[] = "def upgrade():\n    op.drop_table('\xff\xfe')\n\0x";
	memset(&f, 0, sizeof f);
	ag_schema_read(&f, bad, sizeof bad - 1, NULL);
	ck_assert_uint_eq(f.n, 0);
	ag_schema_file_free(&f);
	ag_schema_read(&f, "", 0, NULL);
	ck_assert(f.tokenized);
	ck_assert_uint_eq(f.n, 0);
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_long_type_text)
{
	struct ag_schema_file f;
	read_src(&f, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    op.create_table('t', sa.Column('a', sa.Enum('aaaaaaaaaaaaaaaaaaaa', "
		     "'bbbbbbbbbbbbbbbbbbbbbbbbb', 'ccccccccccccccccccccccc', 'ddddddddddddddddddd', "
		     "name='e')))\n");
	const struct ag_schema_op *c = column(&f, "t", "a");
	ck_assert_int_eq(c->type.family, AG_TYPE_OTHER);
	ck_assert_uint_le(strlen(c->type.text), 80);
	ck_assert(strstr(c->type.text, "...") != NULL);
	ag_schema_file_free(&f);
}
END_TEST

/* ---- the model -------------------------------------------------------- */

struct seen {
	int n;
	char what[8][160];
};

static void record(void *arg, const struct ag_schema_key *k)
{
	struct seen *s = arg;
	if (s->n < 8)
		snprintf(s->what[s->n], sizeof s->what[0], "%s.%s(%s)->%s.%s(%s)@%s:%d%s%s",
			 k->local.table, k->local.column, ag_type_family_name(k->local.type->family),
			 k->ref.table, k->ref.column, ag_type_family_name(k->ref.type->family),
			 k->file, k->line, k->altered_file ? " altered@" : "",
			 k->altered_file ? k->altered_file : "");
	s->n++;
}

static void apply_src(struct ag_schema *m, const char *src, const char *file, struct seen *s)
{
	struct ag_schema_file f;
	read_src(&f, src);
	ag_schema_apply(m, &f, file, "rev", record, s);
	ag_schema_file_free(&f);
}

START_TEST(test_model_keys)
{
	struct ag_schema *m = ag_schema_new();
	struct seen s = {0};
	apply_src(m, "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
		     "def upgrade():\n"
		     "    op.create_table('users', sa.Column('id', postgresql.UUID()))\n"
		     "    op.create_table('posts', sa.Column('uid', sa.String(36), sa.ForeignKey('users.id')))\n",
		  "a.py", &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.what[0], "posts.uid(string)->users.id(uuid)@a.py:5");
	ck_assert_int_eq(ag_schema_column_type(m, "users", "id")->family, AG_TYPE_UUID);
	/* An alter of a keyed column judges the key again, at the alter. */
	apply_src(m, "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
		     "def upgrade():\n"
		     "    op.alter_column('posts', 'uid', type_=postgresql.UUID())\n",
		  "b.py", &s);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.what[1], "posts.uid(uuid)->users.id(uuid)@a.py:5 altered@b.py");
	/* Rename: keys follow the table; the old name is gone. */
	apply_src(m, "def upgrade():\n    op.rename_table('users', 'people')\n", "c.py", &s);
	ck_assert_ptr_null(ag_schema_column_type(m, "users", "id"));
	ck_assert_int_eq(ag_schema_column_type(m, "people", "id")->family, AG_TYPE_UUID);
	apply_src(m, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    op.alter_column('people', 'id', type_=sa.Text)\n",
		  "d.py", &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.what[2], "posts.uid(uuid)->people.id(string)@a.py:5 altered@d.py");
	/* A dropped column takes its keys with it. */
	apply_src(m, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    op.drop_column('posts', 'uid')\n"
		     "    op.alter_column('people', 'id', type_=sa.Integer)\n",
		  "e.py", &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_ptr_null(ag_schema_column_type(m, "posts", "uid"));
	/* Keys to what the model does not know are never judged. */
	apply_src(m, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    op.add_column('posts', sa.Column('x', sa.Integer, sa.ForeignKey('elsewhere.id')))\n"
		     "    op.add_column('posts', sa.Column('y', MyType(), sa.ForeignKey('people.id')))\n",
		  "f.py", &s);
	ck_assert_int_eq(s.n, 3);
	/* A dropped table takes its keys; created again, it is new. */
	apply_src(m, "import sqlalchemy as sa\n"
		     "def upgrade():\n"
		     "    op.add_column('posts', sa.Column('z', sa.Integer, sa.ForeignKey('people.id')))\n"
		     "    op.drop_table('people')\n"
		     "    op.create_table('people', sa.Column('id', sa.String(36)))\n"
		     "    op.alter_column('posts', 'z', type_=sa.BigInteger)\n",
		  "g.py", &s);
	ck_assert_int_eq(s.n, 4); /* only the key's creation */
	ck_assert_str_eq(s.what[3], "posts.z(integer)->people.id(integer)@g.py:3");
	ck_assert_int_eq(ag_schema_column_type(m, "people", "id")->family, AG_TYPE_STRING);
	ag_schema_free(m);
	ag_schema_free(NULL);
}
END_TEST

START_TEST(test_model_self_key_and_rename_column)
{
	struct ag_schema *m = ag_schema_new();
	struct seen s = {0};
	apply_src(m, "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
		     "def upgrade():\n"
		     "    op.create_table('nodes',\n"
		     "        sa.Column('id', postgresql.UUID()),\n"
		     "        sa.Column('parent', sa.CHAR(36), sa.ForeignKey('nodes.id')))\n"
		     "    op.alter_column('nodes', 'parent', new_column_name='up')\n",
		  "a.py", &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.what[0], "nodes.parent(string)->nodes.id(uuid)@a.py:6");
	ck_assert_ptr_null(ag_schema_column_type(m, "nodes", "parent"));
	ck_assert_int_eq(ag_schema_column_type(m, "nodes", "up")->family, AG_TYPE_STRING);
	ck_assert_ptr_null(ag_schema_column_type(m, "none", "up"));
	ag_schema_free(m);
}
END_TEST

START_TEST(test_model_many_tables)
{
	/* Enough tables to grow the name map several times. */
	struct ag_schema *m = ag_schema_new();
	struct seen s = {0};
	struct ag_buf src = {0};
	ag_buf_adds(&src, "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
			  "def upgrade():\n");
	for (int i = 0; i < 500; i++)
		ag_buf_addf(&src, "    op.create_table('t%d', sa.Column('id', %s))\n", i,
			    i % 2 ? "postgresql.UUID()" : "sa.String(36)");
	for (int i = 1; i < 500; i++)
		ag_buf_addf(&src, "    op.create_foreign_key(None, 't%d', 't%d', ['id'], ['id'])\n", i,
			    i - 1);
	apply_src(m, src.p, "big.py", &s);
	ck_assert_int_eq(s.n, 499);
	ck_assert_int_eq(ag_schema_column_type(m, "t499", "id")->family, AG_TYPE_UUID);
	ck_assert_int_eq(ag_schema_column_type(m, "t0", "id")->family, AG_TYPE_STRING);
	ag_buf_free(&src);
	ag_schema_free(m);
}
END_TEST

START_TEST(test_raw_sql_forgets_types)
{
	struct ag_schema_file f;
	read_src(&f, "import sqlalchemy as sa\n"
		     "from sqlalchemy import text\n"
		     "def upgrade():\n"
		     "    op.execute('alter  table ONLY Devices alter column id type uuid')\n"
		     "    op.execute(sa.text(\"ALTER TABLE IF EXISTS public.\\\"Users\\\" ADD x int\"))\n"
		     "    op.execute(text('UPDATE t SET a = 1; ALTER TABLE app.t2 DROP b'))\n"
		     "    op.execute(sqltext='ALTER\\nTABLE t3 RENAME c TO d')\n"
		     "    op.execute('ALTERED TABLE no; alter tables no2; xalter table no3')\n"
		     "    op.execute(f'ALTER TABLE {name} DROP c')\n"
		     "    op.execute(sql)\n");
	const char *want[] = {"devices", "public.Users", "Users", "app.t2", "t2", "t3"};
	size_t n = 0;
	for (size_t i = 0; i < f.n; i++) {
		if (f.v[i].kind == AG_SOP_EXECUTE)
			continue; /* pre-flight's: one per call */
		ck_assert_int_eq(f.v[i].kind, AG_SOP_FORGET_TABLE);
		ck_assert_uint_lt(n, AG_ARRAY_LEN(want));
		ck_assert_str_eq(f.v[i].table, want[n++]);
	}
	ck_assert_uint_eq(n, AG_ARRAY_LEN(want));
	ck_assert_int_eq(f.v[1].line, 4);
	ag_schema_file_free(&f);
	/* In the model, the table's columns lose their types: no judgement. */
	struct ag_schema *m = ag_schema_new();
	struct seen s = {0};
	apply_src(m, "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
		     "def upgrade():\n"
		     "    op.create_table('devices', sa.Column('id', sa.String(36)))\n"
		     "    op.execute('ALTER TABLE devices ALTER COLUMN id TYPE uuid USING id::uuid')\n"
		     "    op.create_table('s', sa.Column('d', postgresql.UUID(), sa.ForeignKey('devices.id')))\n",
		  "a.py", &s);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(ag_schema_column_type(m, "devices", "id")->family, AG_TYPE_UNKNOWN);
	ag_schema_free(m);
}
END_TEST

/* ---- the project's own types ------------------------------------------ */

/* The import path of the project type of `Column('c', <TYPE>)`, or NULL. New. */
static char *project_of(const char *prelude, const char *type)
{
	char src[2048];
	snprintf(src, sizeof src,
		 "%s\ndef upgrade():\n    op.create_table('t', sa.Column('c', %s))\n", prelude, type);
	struct ag_schema_file f;
	read_src(&f, src);
	const struct ag_schema_op *op = column(&f, "t", "c");
	ck_assert_ptr_nonnull(op);
	char *p = op->type.project ? ag_strdup(op->type.project) : NULL;
	ag_schema_file_free(&f);
	return p;
}

START_TEST(test_project_type_read)
{
	/* Imported from the project's package: a guess to resolve. */
	char *p = project_of("from myapp.types import Uuid", "Uuid(length=36)");
	ck_assert_str_eq(p, "myapp.types.Uuid");
	free(p);
	p = project_of("from tacker.db import types", "types.Uuid(length=36)");
	ck_assert_str_eq(p, "tacker.db.types.Uuid");
	free(p);
	/* SQLAlchemy's and a library's own, a relative import, no import:
	 * what they are is known (or nothing is). */
	ck_assert_ptr_null(project_of("from sqlalchemy import Uuid", "Uuid()"));
	ck_assert_ptr_null(project_of("import sqlalchemy as sa", "sa.Uuid()"));
	ck_assert_ptr_null(project_of("from sqlalchemy.dialects.postgresql import UUID", "UUID()"));
	ck_assert_ptr_null(project_of("from sqlalchemy_utils import UUIDType", "UUIDType()"));
	ck_assert_ptr_null(project_of("from .types import Uuid", "Uuid()"));
	ck_assert_ptr_null(project_of("", "UUID()"));
	/* Only UUID names are guesses; other project types stay unknown. */
	ck_assert_ptr_null(project_of("from myapp.types import GUID", "GUID()"));
	ck_assert_int_eq(family_of("from myapp.types import Uuid", "Uuid()", NULL), AG_TYPE_UUID);
}
END_TEST

static void put_file(const char *dir, const char *name, const char *text)
{
	char *path = ag_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

START_TEST(test_project_type_resolved)
{
	char root[] = "/tmp/ag-schema.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	char *d;
	const char *sub[] = {"myapp", "myapp/migrations", "myapp/migrations/versions", "bad"};
	for (size_t i = 0; i < 4; i++) {
		d = ag_printf("%s/%s", root, sub[i]);
		ck_assert_int_eq(mkdir(d, 0700), 0);
		free(d);
	}
	put_file(root, "pyproject.toml", "");
	put_file(root, "myapp/types.py",
		 "from sqlalchemy import types, String\n"
		 "class Other(types.TypeDecorator):\n    impl = types.Integer\n"
		 "class Uuid(types.TypeDecorator):\n    \"\"\"text\"\"\"\n    impl = String(36)\n"
		 "    cache_ok = True\n");
	put_file(root, "bad/types.py", "class Uuid(\n    \"unterminated\n");
	char *file = ag_printf("%s/myapp/migrations/versions/a1.py", root);
	struct ag_schema *m = ag_schema_new();
	struct seen s = {0};
	apply_src(m,
		  "import sqlalchemy as sa\nfrom myapp.types import Uuid\nfrom bad.types import Uuid as B\n"
		  "from gone.types import UUID as G\n"
		  "def upgrade():\n"
		  "    op.create_table('a', sa.Column('id', Uuid(), primary_key=True))\n"
		  "    op.create_table('b', sa.Column('id', B(), primary_key=True))\n"
		  "    op.create_table('c', sa.Column('id', G(), primary_key=True))\n",
		  file, &s);
	const struct ag_coltype *a = ag_schema_column_type(m, "a", "id");
	ck_assert_int_eq(a->family, AG_TYPE_STRING); /* its impl */
	ck_assert(!a->unresolved);
	const struct ag_coltype *b = ag_schema_column_type(m, "b", "id");
	ck_assert_int_eq(b->family, AG_TYPE_UUID); /* a module pyscan cannot read */
	ck_assert(b->unresolved);
	const struct ag_coltype *c = ag_schema_column_type(m, "c", "id");
	ck_assert(c->unresolved); /* no module at all */
	ck_assert_str_eq(c->project, "gone.types.UUID");
	ag_schema_free(m);
	free(file);
	const char *rm[] = {"pyproject.toml", "myapp/types.py", "bad/types.py"};
	for (size_t i = 0; i < 3; i++) {
		d = ag_printf("%s/%s", root, rm[i]);
		ck_assert_int_eq(unlink(d), 0);
		free(d);
	}
	for (size_t i = 4; i-- > 0;) {
		d = ag_printf("%s/%s", root, sub[i]);
		ck_assert_int_eq(rmdir(d), 0);
		free(d);
	}
	ck_assert_int_eq(rmdir(root), 0);
}
END_TEST

/* ---- reading for pre-flight --------------------------------------------- */

START_TEST(test_preflight_fields)
{
	const char *src =
		"from alembic import op\n"
		"import sqlalchemy as sa\n"
		"from sqlalchemy.dialects import postgresql\n"
		"status = sa.Enum('a', 'b', name='status')\n"
		"def upgrade():\n"
		"    op.create_table('t',\n"                                            /* 6 */
		"        sa.Column('id', sa.Integer, primary_key=True),\n"
		"        sa.Column('s', status, nullable=False),\n"
		"        sa.Column('k', postgresql.ENUM(name='kind', create_type=False)),\n"
		"        schema='app')\n"
		"    op.add_column('g', sa.Column('n', sa.Integer(), nullable=False,\n" /* 11 */
		"                  server_default='0'), schema='app')\n"
		"    op.add_column('g', sa.Column('m', sa.Integer(), sa.Identity(), nullable=False))\n"
		"    op.create_index(op.f('ix_g_n'), 'g', ['n'], unique=True,\n"       /* 14 */
		"                    postgresql_concurrently=True)\n"
		"    op.drop_index('ix_old', table_name='g', if_exists=True)\n"
		"    op.create_unique_constraint('uq_g', 'g', ['n'])\n"
		"    op.create_check_constraint('ck_g', 'g', 'n > 0')\n"
		"    op.drop_constraint('fk_g', 'g', type_='foreignkey')\n"
		"    if flag:\n"                                                       /* 20 */
		"        op.drop_table('x')\n"
		"    op.drop_table('y')\n"
		"    op.add_column(name, sa.Column('z', sa.Integer()))\n"
		"    op.bulk_insert(tbl, [])\n"
		"    op.execute('UPDATE g SET n = 1')\n"
		"    op.create_foreign_key('fk_a', 'g', 'users', ['u'], ['id'], referent_schema='auth')\n";
	struct ag_schema_file f;
	read_src(&f, src);
	const struct ag_schema_op *ct = op_of(&f, AG_SOP_CREATE_TABLE, 0);
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct->table, "app.t");
	ck_assert_str_eq(ct->schema, "app");
	ck_assert_int_eq(ct->call_line, 6);
	const struct ag_schema_op *id = column(&f, "app.t", "id");
	ck_assert(id->primary_key);
	ck_assert_int_eq(id->call_line, 6);
	ck_assert_int_eq(id->line, 7);
	const struct ag_schema_op *st = column(&f, "app.t", "s");
	ck_assert_int_eq(st->nullable, 0);
	ck_assert_str_eq(st->enum_name, "status");
	ck_assert(st->enum_creates);
	const struct ag_schema_op *k = column(&f, "app.t", "k");
	ck_assert_str_eq(k->enum_name, "kind");
	ck_assert(!k->enum_creates);
	const struct ag_schema_op *n = column(&f, "app.g", "n");
	ck_assert(n->has_default);
	ck_assert_int_eq(n->call_line, 11);
	ck_assert_str_eq(n->schema, "app");
	const struct ag_schema_op *m = column(&f, "g", "m");
	ck_assert(m->has_default); /* Identity: the database fills it */
	ck_assert_ptr_null(m->schema);
	const struct ag_schema_op *ix = op_of(&f, AG_SOP_CREATE_INDEX, 0);
	ck_assert_str_eq(ix->new_name, "ix_g_n");
	ck_assert(ix->unique && ix->concurrently && !ix->if_exists);
	ck_assert_int_eq(ix->line, 14);
	ck_assert_int_eq((int)ix->cols.n, 1);
	const struct ag_schema_op *di = op_of(&f, AG_SOP_DROP_INDEX, 0);
	ck_assert_str_eq(di->new_name, "ix_old");
	ck_assert(di->if_exists);
	ck_assert_int_eq(op_of(&f, AG_SOP_CREATE_CONSTRAINT, 0)->contype, 'u');
	ck_assert_int_eq(op_of(&f, AG_SOP_CREATE_CONSTRAINT, 1)->contype, 'c');
	ck_assert_int_eq(op_of(&f, AG_SOP_DROP_CONSTRAINT, 0)->contype, 'f');
	const struct ag_schema_op *dx = op_of(&f, AG_SOP_DROP_TABLE, 0);
	ck_assert_str_eq(dx->table, "x");
	ck_assert(dx->conditional);
	ck_assert(!op_of(&f, AG_SOP_DROP_TABLE, 1)->conditional);
	const struct ag_schema_op *u0 = op_of(&f, AG_SOP_UNKNOWN, 0);
	ck_assert_str_eq(u0->column, "add_column");
	ck_assert_str_eq(u0->table, "");
	ck_assert_str_eq(op_of(&f, AG_SOP_UNKNOWN, 1)->column, "bulk_insert");
	ck_assert_str_eq(op_of(&f, AG_SOP_EXECUTE, 0)->column, "UPDATE g SET n = 1");
	const struct ag_schema_op *fk = op_of(&f, AG_SOP_FOREIGN_KEY, 0);
	ck_assert_str_eq(fk->new_name, "fk_a");
	ck_assert_str_eq(fk->ref_schema, "auth");
	ck_assert_str_eq(fk->ref_table, "auth.users");
	ag_schema_file_free(&f);
}
END_TEST

START_TEST(test_preflight_enum_opaque)
{
	const char *src = "import sqlalchemy as sa\nfrom alembic import op\n"
			  "def upgrade():\n"
			  "    op.create_table('t', sa.Column('s', sa.Enum(Status)))\n"
			  "    op.create_table('u', sa.Column('s', sa.Enum('a', native_enum=False, name='x')))\n";
	struct ag_schema_file f;
	read_src(&f, src);
	const struct ag_schema_op *s = column(&f, "t", "s");
	ck_assert(s->enum_opaque);
	ck_assert_ptr_null(s->enum_name);
	ck_assert_ptr_null(column(&f, "u", "s")->enum_name);
	ag_schema_file_free(&f);
}
END_TEST

/* Two readings of one file give the same operations. */
static void same_ops(const struct ag_schema_file *a, const struct ag_schema_file *b)
{
	ck_assert_int_eq(a->tokenized, b->tokenized);
	ck_assert_uint_eq(a->n, b->n);
	ck_assert_uint_eq(a->nuses, b->nuses);
	ck_assert_int_eq(a->calls_helper, b->calls_helper);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_int_eq(a->v[i].kind, b->v[i].kind);
		ck_assert_str_eq(a->v[i].table, b->v[i].table);
		ck_assert_int_eq(a->v[i].line, b->v[i].line);
		ck_assert_int_eq(a->v[i].call_line, b->v[i].call_line);
		ck_assert_int_eq(a->v[i].type.family, b->v[i].type.family);
		ck_assert_int_eq(a->v[i].conditional, b->v[i].conditional);
	}
}

/* The grammar's check keeps the scanner's tokens, and the schema reader
 * takes them instead of scanning the file again: the same operations,
 * and the list handed over (emptied). Kept in part (a limit, an error
 * before the end), the file is scanned again, with the same result. */
START_TEST(test_kept_tokens)
{
	const char *src = "\"\"\"m\n\nRevision ID: a\n\"\"\"\n"
			  "from alembic import op\n"
			  "import sqlalchemy as sa\n"
			  "from app.types import get_uuid_type\n"
			  "def upgrade():\n"
			  "    op.create_table('t', sa.Column('id', get_uuid_type(), primary_key=True),\n"
			  "                    sa.Column('u', sa.String(36), sa.ForeignKey('u.id')))\n"
			  "    if flag:\n"
			  "        op.add_column('t', sa.Column('x', sa.Integer()))\n"
			  "    with op.batch_alter_table('t') as b:\n"
			  "        b.drop_column('x')\n"
			  "    op.create_index('ix', 't', ['u'], unique=True)\n";
	size_t len = strlen(src);
	if (!helpers.n)
		ag_strv_push(&helpers, "app.types.get_uuid_type");
	struct ag_schema_file scanned = {0}, kept = {0}, part = {0};
	ag_schema_read(&scanned, src, len, &helpers);
	ck_assert(scanned.n >= 5);

	struct ag_toks keep = {0};
	struct ag_pyparse_err e;
	ck_assert(ag_pyparse_keep(src, len, 3, 11, &e, &keep));
	ck_assert(keep.done && !keep.over);
	ck_assert_int_eq(keep.v[keep.n - 1].kind, AG_TOK_EOF);
	/* the very tokens a scan of its own gives */
	struct ag_pyscan s;
	ag_pyscan_init(&s, src, len);
	for (size_t i = 0; i < keep.n; i++) {
		struct ag_tok t;
		ag_pyscan_next(&s, &t);
		ck_assert_int_eq(t.kind, keep.v[i].kind);
		ck_assert_ptr_eq(t.p, keep.v[i].p);
		ck_assert_uint_eq(t.len, keep.v[i].len);
	}
	ag_schema_read_kept(&kept, src, len, &helpers, &keep);
	ck_assert_ptr_null(keep.v); /* taken */
	ck_assert_uint_eq(keep.n, 0);
	same_ops(&scanned, &kept);

	/* over a smaller limit than the reader's: scanned again (the part
	 * is freed) */
	struct ag_toks few = {.max = 10};
	ck_assert(ag_pyparse_keep(src, len, 3, 11, &e, &few));
	ck_assert(few.over && !few.done);
	ck_assert_uint_eq(few.n, 10);
	ag_schema_read_kept(&part, src, len, &helpers, &few);
	ck_assert_ptr_null(few.v);
	same_ops(&scanned, &part);
	ag_toks_free(&few);
	ag_schema_file_free(&part);

	/* over the reader's own limit: its verdict already, not scanned */
	struct ag_toks many = {.max = AG_SCHEMA_MAX_TOKENS + 1, .over = true};
	memset(&part, 0, sizeof part);
	ag_schema_read_kept(&part, src, len, &helpers, &many);
	ck_assert(!part.tokenized);
	ag_schema_file_free(&part);

	/* a syntax error stops the parse before the end: scanned again */
	const char *bad = "def upgrade():\n    op.drop_table('t')\nx = = 1\ny = 2\n";
	struct ag_toks stop = {0};
	ck_assert(!ag_pyparse_keep(bad, strlen(bad), 3, 11, &e, &stop));
	ck_assert(!stop.done);
	memset(&part, 0, sizeof part);
	ag_schema_read_kept(&part, bad, strlen(bad), NULL, &stop);
	ck_assert(part.tokenized);
	ck_assert_uint_eq(part.n, 1);
	ag_toks_free(&stop);

	/* a scanner error is kept last and never handed over: the reader
	 * would meet it too */
	struct ag_toks err = {0};
	ck_assert(!ag_pyparse_keep("x = (\n", 6, 3, 11, &e, &err));
	ck_assert(err.error && !err.done);
	ck_assert_int_eq(err.v[err.n - 1].kind, AG_TOK_ERROR);
	ag_schema_file_free(&part);
	memset(&part, 0, sizeof part);
	ag_schema_read_kept(&part, "x = (\n", 6, NULL, &err);
	ck_assert(!part.tokenized);
	ck_assert_ptr_null(err.v);

	ag_schema_file_free(&part);
	ag_schema_file_free(&scanned);
	ag_schema_file_free(&kept);
}
END_TEST

static void teardown(void)
{
	ag_strv_free(&helpers);
}

Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("types");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_type_spellings);
	tcase_add_test(tc, test_type_imports);
	tcase_add_test(tc, test_type_arguments);
	tcase_add_test(tc, test_type_bound_to_name);
	tcase_add_test(tc, test_long_type_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("operations");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_create_table_forms);
	tcase_add_test(tc, test_other_op_forms);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_only_upgrade_counts);
	tcase_add_test(tc, test_helper_calls);
	tcase_add_test(tc, test_preflight_fields);
	tcase_add_test(tc, test_preflight_enum_opaque);
	tcase_add_test(tc, test_kept_tokens);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_unreadable_and_odd_input);
	suite_add_tcase(s, tc);
	tc = tcase_create("model");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_model_keys);
	tcase_add_test(tc, test_project_type_read);
	tcase_add_test(tc, test_project_type_resolved);
	tcase_add_test(tc, test_model_self_key_and_rename_column);
	tcase_add_test(tc, test_model_many_tables);
	tcase_add_test(tc, test_raw_sql_forgets_types);
	suite_add_tcase(s, tc);
	return s;
}
