"""Generated pre-flight scenarios for test_preflight_diff.py.

A scenario is
  - a schema state made by real DDL: the base tables below in the
    scenario's schema S (with or without rows, analyzed or not), and for the
    near misses objects in a second schema: S_o (not on the search_path) or
    S_p (on it, after S);
  - an Alembic project whose applied revisions (their bodies create the base
    tables, so a guard that replays them would cry "exists") are stamped in
    S.alembic_version;
  - one or more pending migrations: fillers that succeed, and one probe drawn
    from VARIANTS, each a rule of issue 13 or a near miss of one.

Each variant states its class (the finding code that fits, or "raw",
"batch", "python" for what the guard may not judge) and what it means to
do: "fail" at the probe's op.* line or "ok". The real `alembic upgrade head`
is the judge; the test also checks that Alembic agrees with these intents,
so a variant that stopped testing what it says is noticed.

Deterministic: the same seed gives the same scenarios, byte for byte.
"""
import os

COVERED = ("object-exists", "object-missing", "not-null-without-default", "foreign-key-mismatch")

# The base tables, in S. Foreign-key and "ref" columns stay NULL in the rows,
# so a key added over them never fails on its values.
BASE_DDL = [
    "CREATE TABLE {s}.users (id integer PRIMARY KEY, email varchar(255) NOT NULL, name text, "
    "created_at timestamp, CONSTRAINT uq_users_email UNIQUE (email), "
    "CONSTRAINT ck_users_email CHECK (email <> ''))",
    "CREATE INDEX ix_users_name ON {s}.users (name)",
    "CREATE TABLE {s}.accounts (id uuid PRIMARY KEY, code varchar(36), label text)",
    "CREATE TABLE {s}.countries (code varchar(2) PRIMARY KEY, name text)",
    "CREATE TABLE {s}.orders (id bigint PRIMARY KEY, user_id integer, account_ref varchar(36), "
    "total numeric(10, 2), CONSTRAINT fk_orders_user FOREIGN KEY (user_id) "
    "REFERENCES {s}.users (id), CONSTRAINT ck_orders_total CHECK (total >= 0))",
    "CREATE TABLE {s}.tags (id smallint PRIMARY KEY, label varchar(40), note text)",
    "CREATE TABLE {s}.profiles (id integer PRIMARY KEY, user_id integer, bio text)",
]
BASE_ROWS = {
    "users": "INSERT INTO {s}.users (id, email, name) SELECT i, 'u' || i || '@example.org', "
             "'name' || i FROM generate_series(1, 3) i",
    "accounts": "INSERT INTO {s}.accounts (id, code) SELECT gen_random_uuid(), 'c' || i "
                "FROM generate_series(1, 3) i",
    "countries": "INSERT INTO {s}.countries VALUES ('de', 'Germany'), ('fr', 'France')",
    "orders": "INSERT INTO {s}.orders (id, total) SELECT i, i FROM generate_series(1, 3) i",
    "tags": "INSERT INTO {s}.tags (id, label) SELECT i, 'label' || i FROM generate_series(1, 3) i",
    "profiles": "INSERT INTO {s}.profiles (id, bio) SELECT i, 'bio' FROM generate_series(1, 3) i",
}
TABLES = list(BASE_ROWS)
# How a table's rows look: empty; rows never analyzed (reltuples -1); rows
# analyzed; rows analyzed, then deleted (reltuples says rows, the table has
# none: the guard must ask the table, not the estimate).
ROW_STATES = ("empty", "rows", "rows_analyzed", "emptied")

# What the applied revisions' files say they did (text only: never run).
APPLIED_BODIES = [
    ["    op.create_table(", "        'users',",
     "        sa.Column('id', sa.Integer(), primary_key=True),",
     "        sa.Column('email', sa.String(255), nullable=False),",
     "        sa.Column('name', sa.Text()),",
     "        sa.Column('created_at', sa.DateTime()),",
     "        sa.UniqueConstraint('email', name='uq_users_email'),",
     "        sa.CheckConstraint(\"email <> ''\", name='ck_users_email'),",
     "    )",
     "    op.create_index('ix_users_name', 'users', ['name'])",
     "    op.create_table('accounts', sa.Column('id', postgresql.UUID(), primary_key=True),",
     "                    sa.Column('code', sa.String(36)), sa.Column('label', sa.Text()))",
     "    op.create_table('countries', sa.Column('code', sa.String(2), primary_key=True),",
     "                    sa.Column('name', sa.Text()))"],
    ["    op.create_table(", "        'orders',",
     "        sa.Column('id', sa.BigInteger(), primary_key=True),",
     "        sa.Column('user_id', sa.Integer()),",
     "        sa.Column('account_ref', sa.String(36)),",
     "        sa.Column('total', sa.Numeric(10, 2)),",
     "        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_orders_user'),",
     "        sa.CheckConstraint('total >= 0', name='ck_orders_total'),",
     "    )",
     "    op.create_table('tags', sa.Column('id', sa.SmallInteger(), primary_key=True),",
     "                    sa.Column('label', sa.String(40)), sa.Column('note', sa.Text()))",
     "    op.create_table('profiles', sa.Column('id', sa.Integer(), primary_key=True),",
     "                    sa.Column('user_id', sa.Integer()), sa.Column('bio', sa.Text()))"],
]

# Column types by the family PostgreSQL compares them in for a foreign key.
FK_TYPES = {
    "int": ("sa.Integer()", "sa.SmallInteger()", "sa.BigInteger()"),
    "str": ("sa.String(36)", "sa.Text()", "sa.String(2)"),
    "uuid": ("postgresql.UUID()", "postgresql.UUID(as_uuid=True)"),
}
# Referenced primary keys of the base tables and their family.
FK_TARGETS = {"users": "int", "orders": "int", "tags": "int", "accounts": "uuid",
              "countries": "str"}
FK_TARGET_COL = {"countries": "code"}

ENV_PY = '''from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
'''


class Op:
    """One statement of an upgrade() body: its lines (indented 4) and role."""

    def __init__(self, lines, role="filler"):
        self.lines, self.role = lines, role
        self.line = None  # set by write(): the line of the op.* call


class Scenario:
    def __init__(self, rng, idx, variant):
        self.rng, self.idx = rng, idx
        self.schema = "pf%03d" % idx
        self.s_o, self.s_p = self.schema + "_o", self.schema + "_p"
        self.on_path = [self.schema]
        self.extra_sql = []      # after the base: near-miss objects, enums
        self.needs = set()       # extra schemas to create
        self.rows = {t: rng.choice(ROW_STATES) for t in TABLES}
        self.pending = [[] for _ in range(rng.choice((1, 1, 2, 3)))]
        self.python_helper = None
        self.variant = variant.__name__[2:]
        self.probe_mig = rng.randrange(len(self.pending))
        self.cls, self.expect = None, None
        self.fresh = 0
        variant(self)
        self._fill()

    # --- building blocks -----------------------------------------------------
    def call(self, head, args, indent=4):
        """op.x(a, b) on one line or exploded over several, as people write it."""
        pad = " " * indent
        if self.rng.random() < 0.55 or not args:
            return [pad + "%s(%s)" % (head, ", ".join(args))]
        return [pad + "%s(" % head] + [pad + "    %s," % a for a in args] + [pad + ")"]

    def op(self, lines, mig=None, role="filler"):
        m = self.probe_mig if mig is None else mig
        self.pending[m].append(Op(lines, role))

    def probe(self, lines, cls, expect, mig=None):
        self.cls, self.expect = cls, expect
        self.op(lines, mig, "probe")

    def before(self):
        """A pending migration index at or before the probe's (replay setups)."""
        if self.probe_mig == 0:
            return 0
        return self.rng.randrange(self.probe_mig)

    def name(self, stem):
        self.fresh += 1
        return "%s_%d" % (stem, self.fresh)

    def use_schema(self, which):
        self.needs.add(which)
        if which == self.s_p and self.s_p not in self.on_path:
            self.on_path.append(self.s_p)
        return which

    def sql(self, text):
        self.extra_sql.append(text.format(s=self.schema, o=self.s_o, p=self.s_p))

    def has_rows(self, table):
        return self.rows[table] in ("rows", "rows_analyzed")

    def col(self, name, typ, *extra):
        return "sa.Column(%s)" % ", ".join([repr(name), typ] + list(extra))

    def new_table(self, name, *cols):
        return self.call("op.create_table", [repr(name), self.col("id", "sa.Integer()",
                                                                  "primary_key=True")]
                         + list(cols))

    # --- fillers: ops that succeed whatever the probe is -----------------------
    def _fill(self):
        rng = self.rng
        for m, ops in enumerate(self.pending):
            n = rng.randint(0 if ops else 1, 2)
            for _ in range(n):
                kind = rng.randrange(4)
                t = self.name("filler")
                if kind == 0:
                    lines = self.new_table(t, self.col("title", "sa.String(80)", "nullable=False"),
                                           self.col("owner_id", "sa.Integer()",
                                                    "sa.ForeignKey('users.id')"))
                elif kind == 1:
                    lines = self.new_table(t) + self.call(
                        "op.create_index", [repr("ix_" + t), repr(t), "['id']"])
                elif kind == 2:
                    # a nullable column on a base table the probes leave alone
                    lines = self.call("op.add_column",
                                      ["'countries'", self.col(t, "sa.Text()", "nullable=True")])
                else:
                    lines = self.new_table(t, self.col("n", "sa.Integer()", "server_default='0'",
                                                       "nullable=False"))
                # before or after what is already there
                pos = rng.randint(0, len(ops))
                ops.insert(pos, Op(lines))

    # --- output -----------------------------------------------------------------
    def setup_sql(self):
        s = self.schema
        out = ["CREATE SCHEMA %s" % s]
        for extra in sorted(self.needs):
            out.append("CREATE SCHEMA %s" % extra)
        out += [d.format(s=s) for d in BASE_DDL]
        for t in TABLES:
            st = self.rows[t]
            if st != "empty":
                out.append(BASE_ROWS[t].format(s=s))
            if st in ("rows_analyzed", "emptied"):
                out.append("ANALYZE %s.%s" % (s, t))
            if st == "emptied":
                out.append("DELETE FROM %s.%s" % (s, t))
        return out + self.extra_sql

    def search_path(self):
        return ",".join(self.on_path)

    def write(self, root):
        """Writes the project; returns (versions dir, applied head, pending
        file names in order). Sets each Op's line."""
        versions = os.path.join(root, "versions")
        os.makedirs(versions)
        with open(os.path.join(root, "env.py"), "w") as f:
            f.write(ENV_PY)
        with open(os.path.join(root, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = %(here)s\n")
        # The judge's versions, pinned as a project pins them: the guard
        # judges as the Alembic the project uses.
        with open(os.path.join(root, "requirements.txt"), "w") as f:
            f.write("alembic==1.8.1\nSQLAlchemy==1.4.46\npsycopg2==2.9.5\n")
        migs = [("a%03d_base_%d" % (self.idx, i), [Op(b)]) for i, b in enumerate(APPLIED_BODIES)]
        applied = migs[-1][0]
        migs += [("p%03d_step_%d" % (self.idx, i), ops) for i, ops in enumerate(self.pending)]
        files, prev = [], None
        for rev, ops in migs:
            text = ['"""%s' % rev, "", "Revision ID: %s" % rev, "Revises: %s" % (prev or ""),
                    "Create Date: 2026-11-20 12:00:00", "", '"""',
                    "from alembic import op", "import sqlalchemy as sa",
                    "from sqlalchemy.dialects import postgresql", "",
                    "revision = %r" % rev, "down_revision = %r" % prev,
                    "branch_labels = None", "depends_on = None", ""]
            if self.python_helper and rev.startswith("p"):
                text += ["", "def _table():", "    return %r" % self.python_helper, ""]
            text += ["", "def upgrade():"]
            for o in ops:
                o.line = len(text) + 1
                text += o.lines
            text += ["", "", "def downgrade():", "    pass", ""]
            name = "%s.py" % rev
            with open(os.path.join(versions, name), "w") as f:
                f.write("\n".join(text))
            if rev.startswith("p"):
                files.append(name)
            prev = rev
        return versions, applied, files

    def probe_at(self, files):
        """(file name, line) of the probe."""
        for name, ops in zip(files, self.pending):
            for o in ops:
                if o.role == "probe":
                    return name, o.line
        raise AssertionError("scenario %d has no probe" % self.idx)

    def op_at(self, files, name, line):
        """The Op of FILE whose lines hold LINE, or None."""
        if name not in files:
            return None
        for o in self.pending[files.index(name)]:
            if o.line <= line < o.line + len(o.lines):
                return o
        return None

    def describe(self):
        return "%s (%s, expect %s; rows %s; path %s)" % (
            self.variant, self.cls, self.expect,
            ",".join("%s=%s" % (t, self.rows[t]) for t in ("users", "tags", "orders")),
            self.search_path())


# --- the variants: v_<name>(scenario) adds the probe and what it needs ----------------
# object-exists

def v_create_table_exists(g):
    g.probe(g.new_table("users"), "object-exists", "fail")


def v_create_table_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.new_table("audit_log"), "object-exists", "ok")


def v_create_table_second_on_path(g):
    # exists in S_p, which is on the path: CREATE TABLE makes it in S
    g.use_schema(g.s_p)
    g.sql("CREATE TABLE {p}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.new_table("audit_log"), "object-exists", "ok")


def v_create_table_created_pending(g):
    g.op(g.new_table("widgets"), mig=g.before())
    g.probe(g.new_table("widgets"), "object-exists", "fail")


def v_create_table_after_pending_drop(g):
    g.op(g.call("op.drop_table", ["'tags'"]), mig=g.before())
    g.probe(g.new_table("tags"), "object-exists", "ok")


def v_create_table_schema_kw(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.call("op.create_table", ["'audit_log'", g.col("id", "sa.Integer()", "primary_key=True"),
                                       "schema=%r" % g.s_o]), "object-exists", "fail")


def v_create_table_schema_kw_free(g):
    g.use_schema(g.s_o)
    g.probe(g.call("op.create_table", ["'users'", g.col("id", "sa.Integer()", "primary_key=True"),
                                       "schema=%r" % g.s_o]), "object-exists", "ok")


def v_add_column_exists(g):
    g.probe(g.call("op.add_column", ["'users'", g.col("email", "sa.String(255)")]),
            "object-exists", "fail")


def v_add_column_in_other_table(g):
    # email exists in users, not in tags
    g.probe(g.call("op.add_column", ["'tags'", g.col("email", "sa.String(255)")]),
            "object-exists", "ok")


def v_add_column_added_pending(g):
    g.op(g.call("op.add_column", ["'users'", g.col("nickname", "sa.Text()")]), mig=g.before())
    g.probe(g.call("op.add_column", ["'users'", g.col("nickname", "sa.Text()")]),
            "object-exists", "fail")


def v_add_column_schema_kw(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.users (id integer PRIMARY KEY, nickname text)")
    hit = g.rng.random() < 0.5
    g.probe(g.call("op.add_column", ["'users'", g.col("nickname" if hit else "email", "sa.Text()"),
                                     "schema=%r" % g.s_o]), "object-exists",
            "fail" if hit else "ok")


def v_create_index_exists(g):
    g.probe(g.call("op.create_index", ["'ix_users_name'", "'users'", "['email']"]),
            "object-exists", "fail")


def v_create_index_name_on_other_table(g):
    # index names live in the schema, not the table
    g.probe(g.call("op.create_index", ["'ix_users_name'", "'tags'", "['label']"]),
            "object-exists", "fail")


def v_create_index_named_as_table(g):
    g.probe(g.call("op.create_index", ["'profiles'", "'tags'", "['label']"]),
            "object-exists", "fail")


def v_create_index_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.t (id integer PRIMARY KEY, x integer)")
    g.sql("CREATE INDEX ix_tags_label ON {o}.t (x)")
    g.probe(g.call("op.create_index", ["'ix_tags_label'", "'tags'", "['label']"]),
            "object-exists", "ok")


def v_create_index_fresh(g):
    g.probe(g.call("op.create_index", ["'ix_tags_label'", "'tags'", "['label']",
                                       "unique=False"]), "object-exists", "ok")


def v_create_unique_exists(g):
    g.probe(g.call("op.create_unique_constraint", ["'uq_users_email'", "'users'", "['name']"]),
            "object-exists", "fail")


def v_create_unique_name_on_other_table(g):
    # a unique constraint is an index: its name is taken schema-wide
    g.probe(g.call("op.create_unique_constraint", ["'uq_users_email'", "'tags'", "['label']"]),
            "object-exists", "fail")


def v_create_unique_fresh(g):
    g.probe(g.call("op.create_unique_constraint", ["'uq_tags_label'", "'tags'", "['label']"]),
            "object-exists", "ok")


def v_create_check_exists(g):
    g.probe(g.call("op.create_check_constraint", ["'ck_users_email'", "'users'",
                                                  "'length(email) > 0'"]),
            "object-exists", "fail")


def v_create_check_name_on_other_table(g):
    # check constraint names are per table
    g.probe(g.call("op.create_check_constraint", ["'ck_users_email'", "'tags'", "'id > -1'"]),
            "object-exists", "ok")


def v_create_fk_name_exists(g):
    g.probe(g.call("op.create_foreign_key", ["'fk_orders_user'", "'orders'", "'users'",
                                             "['user_id']", "['id']"]),
            "object-exists", "fail")


def v_create_fk_name_on_other_table(g):
    g.probe(g.call("op.create_foreign_key", ["'fk_orders_user'", "'profiles'", "'users'",
                                             "['user_id']", "['id']"]),
            "object-exists", "ok")


def _enum_table(g, name, enum):
    return g.call("op.create_table", [repr(name), g.col("id", "sa.Integer()", "primary_key=True"),
                                      g.col("mood", enum)])


ENUM = "sa.Enum('happy', 'sad', name='mood')"


def v_enum_exists(g):
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings", ENUM), "object-exists", "fail")


def v_enum_pg_exists(g):
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings", "postgresql.ENUM('happy', 'sad', name='mood')"),
            "object-exists", "fail")


def v_enum_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TYPE {o}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings", ENUM), "object-exists", "ok")


def v_enum_second_on_path(g):
    # CREATE TYPE makes it in S, the first schema of the path
    g.use_schema(g.s_p)
    g.sql("CREATE TYPE {p}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings", ENUM), "object-exists", "ok")


def v_enum_create_type_false(g):
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings",
                        "postgresql.ENUM('happy', 'sad', name='mood', create_type=False)"),
            "object-exists", "ok")


def v_enum_not_native(g):
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.probe(_enum_table(g, "feelings", "sa.Enum('happy', 'sad', name='mood', native_enum=False)"),
            "object-exists", "ok")


def v_enum_twice_pending(g):
    # Alembic's create_table remembers the enums it made in this run
    # (impl.memo), so the second table does not create it again.
    g.op(_enum_table(g, "feelings", ENUM), mig=g.before())
    g.probe(_enum_table(g, "moods", ENUM), "object-exists", "ok")


def v_enum_fresh(g):
    g.probe(_enum_table(g, "feelings", ENUM), "object-exists", "ok")


def v_rename_table_to_existing(g):
    g.probe(g.call("op.rename_table", ["'tags'", "'users'"]), "object-exists", "fail")


def v_rename_table_to_index_name(g):
    g.probe(g.call("op.rename_table", ["'tags'", "'ix_users_name'"]), "object-exists", "fail")


def v_rename_table_to_other_schema_name(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.labels (id integer PRIMARY KEY)")
    g.probe(g.call("op.rename_table", ["'tags'", "'labels'"]), "object-exists", "ok")


def v_alter_rename_to_existing(g):
    g.probe(g.call("op.alter_column", ["'users'", "'name'", "new_column_name='email'"]),
            "object-exists", "fail")


def v_alter_rename_fresh(g):
    g.probe(g.call("op.alter_column", ["'users'", "'name'", "new_column_name='display_name'"]),
            "object-exists", "ok")


# object-missing

def v_drop_column_missing(g):
    g.probe(g.call("op.drop_column", ["'users'", "'nickname'"]), "object-missing", "fail")


def v_drop_column_in_other_table(g):
    g.probe(g.call("op.drop_column", ["'tags'", "'email'"]), "object-missing", "fail")


def v_drop_column_exists(g):
    g.probe(g.call("op.drop_column", ["'users'", "'name'"]), "object-missing", "ok")


def v_drop_column_dropped_pending(g):
    g.op(g.call("op.drop_column", ["'tags'", "'note'"]), mig=g.before())
    g.probe(g.call("op.drop_column", ["'tags'", "'note'"]), "object-missing", "fail")


def v_alter_column_missing(g):
    kw = g.rng.choice(["nullable=True", "type_=sa.Text()", "server_default='x'",
                       "new_column_name='nick2'"])
    g.probe(g.call("op.alter_column", ["'users'", "'nickname'", kw]), "object-missing", "fail")


def v_alter_column_in_other_table(g):
    g.probe(g.call("op.alter_column", ["'tags'", "'email'", "nullable=True"]),
            "object-missing", "fail")


def v_alter_column_missing_table(g):
    g.probe(g.call("op.alter_column", ["'nosuch'", "'name'", "nullable=True"]),
            "object-missing", "fail")


def v_alter_column_exists(g):
    kw = g.rng.choice(["nullable=True", "type_=sa.String(80)", "server_default='x'",
                       "comment='a note'"])
    g.probe(g.call("op.alter_column", ["'tags'", "'label'", kw]), "object-missing", "ok")


def v_alter_column_after_pending_drop(g):
    g.op(g.call("op.drop_column", ["'users'", "'name'"]), mig=g.before())
    g.probe(g.call("op.alter_column", ["'users'", "'name'", "nullable=True"]),
            "object-missing", "fail")


def v_drop_table_missing(g):
    g.probe(g.call("op.drop_table", ["'nosuch'"]), "object-missing", "fail")


def v_drop_table_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.call("op.drop_table", ["'audit_log'"]), "object-missing", "fail")


def v_drop_table_second_on_path(g):
    g.use_schema(g.s_p)
    g.sql("CREATE TABLE {p}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.call("op.drop_table", ["'audit_log'"]), "object-missing", "ok")


def v_drop_table_exists(g):
    g.probe(g.call("op.drop_table", ["'tags'"]), "object-missing", "ok")


def v_drop_index_missing(g):
    g.probe(g.call("op.drop_index", ["'ix_nosuch'"]), "object-missing", "fail")


def v_drop_index_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.t (id integer PRIMARY KEY, x integer)")
    g.sql("CREATE INDEX ix_t_x ON {o}.t (x)")
    g.probe(g.call("op.drop_index", ["'ix_t_x'"]), "object-missing", "fail")


def v_drop_index_second_on_path(g):
    g.use_schema(g.s_p)
    g.sql("CREATE TABLE {p}.t (id integer PRIMARY KEY, x integer)")
    g.sql("CREATE INDEX ix_t_x ON {p}.t (x)")
    g.probe(g.call("op.drop_index", ["'ix_t_x'"]), "object-missing", "ok")


def v_drop_index_exists(g):
    args = ["'ix_users_name'"] + (["table_name='users'"] if g.rng.random() < 0.5 else [])
    g.probe(g.call("op.drop_index", args), "object-missing", "ok")


def v_add_column_missing_table(g):
    g.probe(g.call("op.add_column", ["'nosuch'", g.col("x", "sa.Integer()")]),
            "object-missing", "fail")


def v_add_column_table_second_on_path(g):
    g.use_schema(g.s_p)
    g.sql("CREATE TABLE {p}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.call("op.add_column", ["'audit_log'", g.col("x", "sa.Integer()")]),
            "object-missing", "ok")


def v_add_column_table_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.audit_log (id integer PRIMARY KEY)")
    g.probe(g.call("op.add_column", ["'audit_log'", g.col("x", "sa.Integer()")]),
            "object-missing", "fail")


def v_add_column_after_rename(g):
    g.op(g.call("op.rename_table", ["'tags'", "'labels'"]), mig=g.before())
    hit = g.rng.random() < 0.5
    g.probe(g.call("op.add_column", ["'tags'" if hit else "'labels'",
                                     g.col("x", "sa.Integer()")]),
            "object-missing", "fail" if hit else "ok")


def v_add_column_enum_missing(g):
    # add_column does not create the enum type: PostgreSQL does not know it
    g.probe(g.call("op.add_column", ["'tags'", g.col("mood", ENUM)]), "object-missing", "fail")


def v_add_column_enum_exists(g):
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.probe(g.call("op.add_column", ["'tags'", g.col("mood", ENUM)]), "object-missing", "ok")


def v_enum_create_type_false_missing(g):
    g.probe(_enum_table(g, "feelings",
                        "postgresql.ENUM('happy', 'sad', name='mood', create_type=False)"),
            "object-missing", "fail")


def v_create_index_missing_table(g):
    g.probe(g.call("op.create_index", ["'ix_x'", "'nosuch'", "['id']"]), "object-missing", "fail")


def v_create_index_missing_column(g):
    g.probe(g.call("op.create_index", ["'ix_x'", "'tags'", "['nosuch']"]), "object-missing", "fail")


def v_create_index_after_pending_drop(g):
    g.op(g.call("op.drop_column", ["'tags'", "'note'"]), mig=g.before())
    g.probe(g.call("op.create_index", ["'ix_x'", "'tags'", "['note']"]), "object-missing", "fail")


def v_drop_constraint_missing(g):
    g.probe(g.call("op.drop_constraint", ["'ck_nosuch'", "'orders'", "type_='check'"]),
            "object-missing", "fail")


def v_drop_constraint_on_other_table(g):
    g.probe(g.call("op.drop_constraint", ["'ck_orders_total'", "'users'", "type_='check'"]),
            "object-missing", "fail")


def v_drop_constraint_exists(g):
    g.probe(g.call("op.drop_constraint", ["'ck_orders_total'", "'orders'", "type_='check'"]),
            "object-missing", "ok")


def v_rename_table_missing(g):
    g.probe(g.call("op.rename_table", ["'nosuch'", "'labels'"]), "object-missing", "fail")


def v_create_table_then_add(g):
    g.op(g.new_table("widgets"), mig=g.before())
    g.probe(g.call("op.add_column", ["'widgets'", g.col("x", "sa.Integer()")]),
            "object-missing", "ok")


# not-null-without-default

def _nn_table(g, want_rows):
    tables = [t for t in ("users", "tags", "orders", "profiles", "countries")
              if g.has_rows(t) == want_rows]
    if not tables:
        t = g.rng.choice(["tags", "profiles"])
        g.rows[t] = g.rng.choice(("rows", "rows_analyzed")) if want_rows else \
            g.rng.choice(("empty", "emptied"))
        return t
    return g.rng.choice(tables)


def v_not_null_rows(g):
    t = _nn_table(g, True)
    typ = g.rng.choice(["sa.Integer()", "sa.Text()", "sa.Boolean()"])
    g.probe(g.call("op.add_column", [repr(t), g.col("flag", typ, "nullable=False")]),
            "not-null-without-default", "fail")


def v_not_null_python_default(g):
    # default= is applied by SQLAlchemy on INSERT; the existing rows get NULL
    t = _nn_table(g, True)
    g.probe(g.call("op.add_column", [repr(t), g.col("flag", "sa.Integer()", "nullable=False",
                                                    "default=0")]),
            "not-null-without-default", "fail")


def v_not_null_empty(g):
    t = _nn_table(g, False)
    g.probe(g.call("op.add_column", [repr(t), g.col("flag", "sa.Integer()", "nullable=False")]),
            "not-null-without-default", "ok")


def v_not_null_server_default(g):
    t = _nn_table(g, True)
    d = g.rng.choice(["server_default='0'", "server_default=sa.text('0')",
                      "server_default=sa.text('1 + 1')"])
    g.probe(g.call("op.add_column", [repr(t), g.col("flag", "sa.Integer()", "nullable=False", d)]),
            "not-null-without-default", "ok")


def v_not_null_nullable(g):
    t = _nn_table(g, True)
    g.probe(g.call("op.add_column", [repr(t), g.col("flag", "sa.Integer()",
                                                    g.rng.choice(["nullable=True", "default=0"]))]),
            "not-null-without-default", "ok")


def v_not_null_new_table(g):
    g.op(g.new_table("widgets"), mig=g.before())
    g.probe(g.call("op.add_column", ["'widgets'", g.col("flag", "sa.Integer()", "nullable=False")]),
            "not-null-without-default", "ok")


# foreign-key-mismatch

def _fk_pair(g, compatible):
    target = g.rng.choice(sorted(FK_TARGETS))
    fam = FK_TARGETS[target]
    if compatible:
        src = fam
    else:
        src = g.rng.choice([f for f in FK_TYPES if f != fam])
    return target, FK_TARGET_COL.get(target, "id"), g.rng.choice(FK_TYPES[src])


def _fk_probe(g, compatible):
    target, tcol, typ = _fk_pair(g, compatible)
    expect = "ok" if compatible else "fail"
    form = g.rng.randrange(4)
    fk = "sa.ForeignKey('%s.%s')" % (target, tcol)
    if form == 0:
        g.op(g.call("op.add_column", ["'profiles'", g.col("ref", typ)]))
        g.probe(g.call("op.create_foreign_key", ["'fk_profiles_ref'", "'profiles'", repr(target),
                                                 "['ref']", repr([tcol])]),
                "foreign-key-mismatch", expect)
    elif form == 1:
        g.probe(g.call("op.add_column", ["'profiles'", g.col("ref", typ, fk)]),
                "foreign-key-mismatch", expect)
    elif form == 2:
        g.probe(g.new_table("payments", g.col("ref", typ, fk)), "foreign-key-mismatch", expect)
    else:
        g.probe(g.new_table("payments", g.col("ref", typ),
                            "sa.ForeignKeyConstraint(['ref'], ['%s.%s'])" % (target, tcol)),
                "foreign-key-mismatch", expect)


def v_fk_type_mismatch(g):
    _fk_probe(g, False)


def v_fk_type_compatible(g):
    _fk_probe(g, True)


def v_fk_uuid_varchar(g):
    # the classic: orders.account_ref varchar(36) -> accounts.id uuid
    g.probe(g.call("op.create_foreign_key", ["'fk_orders_account'", "'orders'", "'accounts'",
                                             "['account_ref']", "['id']"]),
            "foreign-key-mismatch", "fail")


def v_fk_int_bigint(g):
    # profiles.user_id integer -> orders.id bigint: PostgreSQL accepts it
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_order'", "'profiles'", "'orders'",
                                             "['user_id']", "['id']"]),
            "foreign-key-mismatch", "ok")


def v_fk_missing_table(g):
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_x'", "'profiles'", "'nosuch'",
                                             "['user_id']", "['id']"]),
            "foreign-key-mismatch", "fail")


def v_fk_missing_column(g):
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_x'", "'profiles'", "'users'",
                                             "['user_id']", "['nosuch']"]),
            "foreign-key-mismatch", "fail")


def v_fk_inline_missing_table(g):
    g.probe(g.new_table("payments", g.col("ref", "sa.Integer()", "sa.ForeignKey('nosuch.id')")),
            "foreign-key-mismatch", "fail")


def v_fk_table_other_schema(g):
    g.use_schema(g.s_o)
    g.sql("CREATE TABLE {o}.ledger (id integer PRIMARY KEY)")
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_x'", "'profiles'", "'ledger'",
                                             "['user_id']", "['id']"]),
            "foreign-key-mismatch", "fail")


def v_fk_table_second_on_path(g):
    g.use_schema(g.s_p)
    g.sql("CREATE TABLE {p}.ledger (id integer PRIMARY KEY)")
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_x'", "'profiles'", "'ledger'",
                                             "['user_id']", "['id']"]),
            "foreign-key-mismatch", "ok")


def v_fk_to_pending_table(g):
    g.op(g.new_table("widgets"), mig=g.before())
    g.probe(g.call("op.create_foreign_key", ["'fk_profiles_w'", "'profiles'", "'widgets'",
                                             "['user_id']", "['id']"]),
            "foreign-key-mismatch", "ok")


# what the guard may not judge: never an error, whatever happens

def v_raw_update(g):
    g.probe(g.call("op.execute", ['"UPDATE tags SET note = note"']), "raw", "ok")


def v_raw_fails(g):
    g.probe(g.call("op.execute", ['"ALTER TABLE nosuch ADD COLUMN x integer"']), "raw", "fail")


def v_raw_drop_type_then_enum(g):
    # the usual workaround for DuplicateObject: drop the type first
    g.sql("CREATE TYPE {s}.mood AS ENUM ('happy', 'sad')")
    g.op(g.call("op.execute", ['"DROP TYPE IF EXISTS mood"']), role="raw")
    g.probe(_enum_table(g, "feelings", ENUM), "raw", "ok")


def v_raw_delete_then_not_null(g):
    g.rows["tags"] = "rows_analyzed"
    g.op(g.call("op.execute", ['"DELETE FROM tags"']), role="raw")
    g.probe(g.call("op.add_column", ["'tags'", g.col("flag", "sa.Integer()", "nullable=False")]),
            "raw", "ok")


def v_raw_create_then_add(g):
    g.op(g.call("op.execute", ['"CREATE TABLE widgets (id integer PRIMARY KEY)"']), role="raw")
    g.probe(g.call("op.add_column", ["'widgets'", g.col("x", "sa.Integer()")]), "raw", "ok")


def v_raw_text_multiline(g):
    g.probe(["    op.execute(", "        sa.text(", '            """',
             "            UPDATE users", "            SET name = upper(name)",
             '            """', "        )", "    )"], "raw", "ok")


def v_batch_ok(g):
    g.probe(["    with op.batch_alter_table('tags') as batch_op:",
             "        batch_op.add_column(%s)" % g.col("extra", "sa.Text()")], "batch", "ok")


def v_batch_fails(g):
    g.probe(["    with op.batch_alter_table('tags') as batch_op:",
             "        batch_op.drop_column('nosuch')"], "batch", "fail")


def v_python_value(g):
    hit = g.rng.random() < 0.5
    g.python_helper = "users"
    g.probe(g.call("op.add_column", ["_table()", g.col("email" if hit else "extra",
                                                       "sa.String(255)")]),
            "python", "fail" if hit else "ok")


VARIANTS = [f for n, f in sorted(globals().items()) if n.startswith("v_")]
# After one of each, draws favour the rules with few variants but many
# shapes (the rows' states, the key's types and forms).
WEIGHTS = {v_not_null_rows: 6, v_not_null_python_default: 2, v_not_null_empty: 3,
           v_not_null_server_default: 2, v_not_null_nullable: 2, v_fk_type_mismatch: 6,
           v_fk_type_compatible: 5, v_raw_delete_then_not_null: 2, v_raw_update: 2}


def scenarios(rng, count):
    """COUNT scenarios; every variant at least once when COUNT allows."""
    order = list(VARIANTS)
    rng.shuffle(order)
    pool = [v for v in VARIANTS for _ in range(WEIGHTS.get(v, 1))]
    out = []
    for i in range(count):
        v = order[i] if i < len(order) else rng.choice(pool)
        out.append(Scenario(rng, i, v))
    return out
