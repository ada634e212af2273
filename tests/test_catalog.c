#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog.h"
#include "tests/suites.h"

/* Rows as the catalog query returns them (8 text columns, NULL for SQL NULL). */
static void rows_of(struct ag_db_result *r, const char *const *cells, size_t nrows)
{
	r->nrows = nrows;
	r->ncols = 8;
	r->v = calloc(nrows * 8 + 1, sizeof *r->v);
	for (size_t i = 0; i < nrows * 8; i++)
		r->v[i] = cells[i] ? strdup(cells[i]) : NULL;
}

START_TEST(test_parse)
{
	const char *const cells[] = {
		"S", "app", "2", NULL, NULL, NULL, NULL, NULL,
		"S", "public", "1", NULL, NULL, NULL, NULL, NULL,
		"C", "public", "guests", "x", "timestamp without time zone", "false", "false", "1234.5",
		"R", "public", "ix_guests_x", "i", "0", "guests", NULL, NULL,
		"R", "public", "guests_id_seq", "S", "1", NULL, NULL, NULL,
		"R", "public", "pair", "c", "-1", NULL, NULL, NULL,
		"C", "app", "guests", "y", "uuid", "true", "false", "-1",
		"C", "public", "guests", "id", "integer", "true", "true", "1234.5",
		"R", "public", "bare", "r", "7", NULL, NULL, NULL,      /* a table without columns */
		"K", "public", "guests", "guests_pkey", "p", NULL, NULL, NULL,
		"T", "public", "status", "e", NULL, NULL, NULL, NULL,
		"X", "odd", "row", NULL, NULL, NULL, NULL, NULL,        /* unknown kind: skipped */
		"C", "public", NULL, "z", "text", "false", "false", "1", /* no table name: skipped */
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	};
	struct ag_db_result r;
	rows_of(&r, cells, AG_ARRAY_LEN(cells) / 8);
	struct ag_catalog c = {0};
	ag_catalog_parse(&c, &r);
	ag_db_result_free(&r);
	ck_assert_uint_eq(c.search_path.n, 2);
	ck_assert_str_eq(c.search_path.v[0], "public");
	ck_assert_str_eq(ag_catalog_create_schema(&c), "public");
	struct ag_catalog_table *t = ag_catalog_table(&c, NULL, "guests");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->schema, "public"); /* the first on search_path that has it */
	ck_assert(t->reltuples > 1234 && t->reltuples < 1235);
	ck_assert_int_eq(t->has_rows, -1);
	struct ag_catalog_column *x = ag_catalog_column(t, "x");
	ck_assert_str_eq(x->type, "timestamp without time zone");
	ck_assert(!x->notnull && !x->has_default);
	struct ag_catalog_column *id = ag_catalog_column(t, "id");
	ck_assert(id->notnull && id->has_default);
	ck_assert_ptr_null(ag_catalog_column(t, "y"));
	ck_assert_uint_eq(t->ncols, 2); /* its columns need not come together */
	struct ag_catalog_table *a = ag_catalog_table(&c, "app", "guests");
	ck_assert_ptr_nonnull(ag_catalog_column(a, "y"));
	ck_assert(a->reltuples < 0);
	struct ag_catalog_table *bare = ag_catalog_table(&c, NULL, "bare");
	ck_assert_ptr_nonnull(bare);
	ck_assert_uint_eq(bare->ncols, 0);
	ck_assert(bare->reltuples > 6.5 && bare->reltuples < 7.5);
	ck_assert_ptr_null(ag_catalog_table(&c, NULL, "z"));
	ck_assert_uint_eq(c.ntables, 3);
	/* A standalone composite type is a relation (its pg_class row). */
	struct ag_catalog_object *pair = ag_catalog_object(&c, &c.rels, NULL, NULL, "pair");
	ck_assert_ptr_nonnull(pair);
	ck_assert_int_eq(pair->kind, 'c');
	struct ag_catalog_object *ix = ag_catalog_object(&c, &c.rels, NULL, NULL, "ix_guests_x");
	ck_assert_ptr_nonnull(ix);
	ck_assert_str_eq(ix->table, "guests");
	ck_assert_int_eq(ix->kind, 'i');
	ck_assert_ptr_nonnull(ag_catalog_object(&c, &c.cons, "public", "guests", "guests_pkey"));
	ck_assert_ptr_null(ag_catalog_object(&c, &c.cons, "public", "other", "guests_pkey"));
	ck_assert_ptr_nonnull(ag_catalog_object(&c, &c.types, NULL, NULL, "status"));
	ck_assert_ptr_null(ag_catalog_object(&c, &c.types, "app", NULL, "status"));
	ag_catalog_free(&c);
}
END_TEST

START_TEST(test_parse_wrong_shape_and_empty)
{
	const char *const cells[] = {"S", "public", "1"};
	struct ag_db_result r = {0};
	r.nrows = 1;
	r.ncols = 3;
	r.v = calloc(4, sizeof *r.v);
	for (size_t i = 0; i < 3; i++)
		r.v[i] = strdup(cells[i]);
	struct ag_catalog c = {0};
	ag_catalog_parse(&c, &r);
	ck_assert_uint_eq(c.search_path.n, 0);
	ck_assert_ptr_null(ag_catalog_create_schema(&c));
	ag_catalog_parse(&c, NULL);
	ag_db_result_free(&r);
	ag_catalog_free(&c);
	ag_catalog_free(NULL);
}
END_TEST

START_TEST(test_dropped_and_created)
{
	struct ag_catalog c = {0};
	ag_strv_push(&c.search_path, "public");
	struct ag_catalog_table *t = ag_catalog_add_table(&c, "public", "t");
	t->dropped = true;
	ck_assert_ptr_null(ag_catalog_table(&c, NULL, "t"));
	t = ag_catalog_add_table(&c, "public", "t");
	t->created = true;
	ck_assert_ptr_eq(ag_catalog_table(&c, NULL, "t"), t);
	ck_assert_int_eq(ag_catalog_has_rows(&c, t, NULL, NULL), 0); /* no query for a new table */
	/* Names past 63 bytes are the truncated ones PostgreSQL keeps. */
	char longname[80];
	memset(longname, 'x', 70);
	longname[70] = '\0';
	ag_catalog_add_column(t, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "int", false,
			      false);
	ck_assert_ptr_nonnull(ag_catalog_column(t, longname));
	longname[62] = 'y';
	ck_assert_ptr_null(ag_catalog_column(t, longname));
	ag_catalog_free(&c);
}
END_TEST

Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_parse_wrong_shape_and_empty);
	tcase_add_test(tc, test_dropped_and_created);
	suite_add_tcase(s, tc);
	return s;
}
