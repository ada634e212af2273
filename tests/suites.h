/* Every Check suite; add one line per tests/test_<module>.c. */
#ifndef AG_TEST_SUITES_H
#define AG_TEST_SUITES_H

#include <check.h>
#include <stddef.h>

Suite *atomic_suite(void);
Suite *audit_suite(void);
Suite *backfill_suite(void);
Suite *catalog_suite(void);
Suite *config_suite(void);
Suite *db_suite(void);
Suite *diff_suite(void);
Suite *doc_suite(void);
Suite *finding_suite(void);
Suite *graph_suite(void);
Suite *heroku_suite(void);
Suite *init_suite(void);
Suite *lint_suite(void);
Suite *modexec_suite(void);
Suite *modval_suite(void);
Suite *opts_suite(void);
Suite *outscan_suite(void);
Suite *pins_suite(void);
Suite *pool_suite(void);
Suite *preflight_suite(void);
Suite *procfile_suite(void);
Suite *pyedit_suite(void);
Suite *pyparse_suite(void);
Suite *pyscan_suite(void);
Suite *pyver_suite(void);
Suite *quote_suite(void);
Suite *rename_suite(void);
Suite *repair_suite(void);
Suite *report_suite(void);
Suite *schema_suite(void);
Suite *script_suite(void);
Suite *settings_suite(void);
Suite *template_suite(void);
Suite *util_suite(void);
Suite *verdict_suite(void);

static Suite *(*const ag_test_suites[])(void) = {
	atomic_suite,
	audit_suite,
	backfill_suite,
	catalog_suite,
	config_suite,
	db_suite,
	diff_suite,
	doc_suite,
	finding_suite,
	graph_suite,
	heroku_suite,
	init_suite,
	lint_suite,
	modexec_suite,
	modval_suite,
	opts_suite,
	outscan_suite,
	pins_suite,
	pool_suite,
	preflight_suite,
	procfile_suite,
	pyedit_suite,
	pyparse_suite,
	pyscan_suite,
	pyver_suite,
	quote_suite,
	rename_suite,
	repair_suite,
	report_suite,
	schema_suite,
	script_suite,
	settings_suite,
	template_suite,
	util_suite,
	verdict_suite,
	NULL,
};

#endif
