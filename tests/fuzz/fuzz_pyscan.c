/*
 * libFuzzer target for lib/pyscan, lib/pyparse, lib/script, lib/schema's reader and
 * lib/preflight's replay (over a catalog that holds every name the file
 * mentions, so the lookups hit as well as miss): the
 * bytes of one migration file, read as ag_scripts_read reads it. The input is copied into a buffer of exactly its size
 * (no NUL after it) so AddressSanitizer catches any read past the end: the
 * tokenizer is bounded by an end pointer, never by a terminator.
 *
 * Build: make fuzz. Run: see tests/fuzz/README.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/catalog.h"
#include "lib/finding.h"
#include "lib/preflight.h"
#include "lib/pyparse.h"
#include "lib/pyscan.h"
#include "lib/schema.h"
#include "lib/script.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_rows(void *arg, struct ag_catalog_table *t)
{
	(void)arg;
	return (int)(t->ncols % 3); /* 0, 1 and "cannot tell" all occur */
}

/* The file's operations replayed twice (as two pending migrations) over a
 * catalog with a big table of each name it mentions, every second one
 * holding a column named "id" and one named like the table. */
static void preflight(const struct ag_schema_file *f)
{
	struct ag_preflight_file pf[2] = {{f, "versions/a.py", "a"}, {f, "versions/b.py", "b"}};
	struct ag_strv names = {0}, schemas = {0};
	ag_preflight_names(pf, 1, &names);
	ag_preflight_schemas(pf, 1, &schemas);
	struct ag_catalog c;
	memset(&c, 0, sizeof c);
	ag_strv_push(&c.search_path, "public");
	for (size_t i = 0; i < schemas.n; i++)
		ag_strv_push(&c.search_path, schemas.v[i]);
	for (size_t i = 0; i < names.n && i < 64; i++) {
		struct ag_catalog_table *t = ag_catalog_add_table(&c, i % 3 ? "public" : c.search_path.v[c.search_path.n - 1], names.v[i]);
		t->reltuples = i % 2 ? 1e6 : -1;
		if (i % 2) {
			ag_catalog_add_column(t, "id", i % 4 == 1 ? "uuid" : "integer", true, false);
			ag_catalog_add_column(t, names.v[i], "character varying(36)", false, true);
		}
		ag_catalog_add_object(&c.rels, "public", names.v[i], names.v[i], 'i');
		ag_catalog_add_object(&c.types, "public", NULL, names.v[i], 'e');
	}
	struct ag_preflight_opts o = {.lock_rows = 10, .has_rows = has_rows};
	struct ag_findings out = {0};
	(void)ag_preflight_run(&c, pf, 2, &o, &out);
	ag_findings_free(&out);
	ag_catalog_free(&c);
	ag_strv_free(&names);
	ag_strv_free(&schemas);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	/* The parser, with a define so the name lookup path runs too. */
	struct ag_defines defs = {0};
	ag_defines_set(&defs, "cli.EXPAND_BRANCH", "expand");
	ag_defines_set(&defs, "BRANCH", "b");
	struct ag_script sc;
	memset(&sc, 0, sizeof sc);
	/* Half the inputs get a legacy hex name, which stands in for a
	 * missing `revision`; the rest get not-a-migration instead. */
	ag_script_parse(&sc, size % 2 ? "versions/fuzz.py" : "versions/0ab1.py", buf, size, &defs);
	ag_script_free(&sc);
	ag_defines_free(&defs);

	/* What upgrade() does to the schema, from the same buffer, with and
	 * without helper names. */
	struct ag_strv helpers = {0};
	ag_strv_push(&helpers, "get_uuid_type");
	ag_strv_push(&helpers, "app.types.guid");
	struct ag_schema_file f;
	memset(&f, 0, sizeof f);
	ag_schema_read(&f, buf, size, &helpers);
	ag_schema_file_free(&f);
	memset(&f, 0, sizeof f);
	ag_schema_read(&f, buf, size, NULL);
	preflight(&f);
	/* From the tokens the grammar's check kept (as lib/script reads a
	 * file): the same operations as from a scan of its own. */
	struct ag_toks keep = {.max = AG_SCHEMA_MAX_TOKENS + 1};
	struct ag_pyparse_err kerr;
	(void)ag_pyparse_keep(buf, size, 3, 13, &kerr, &keep);
	struct ag_schema_file k;
	memset(&k, 0, sizeof k);
	ag_schema_read_kept(&k, buf, size, NULL, &keep);
	if (k.tokenized != f.tokenized || k.n != f.n || k.nuses != f.nuses)
		abort();
	for (size_t i = 0; i < k.n; i++)
		if (k.v[i].kind != f.v[i].kind || k.v[i].line != f.v[i].line ||
		    strcmp(k.v[i].table, f.v[i].table) != 0)
			abort();
	ag_toks_free(&keep);
	ag_schema_file_free(&k);
	ag_schema_file_free(&f);
	ag_strv_free(&helpers);

	/* The grammar, in the newest and the oldest version followed: an
	 * answer, never a crash, and an error has a message and a line. */
	struct ag_pyparse_err perr;
	for (int minor = 8; minor <= 13; minor += 5)
		if (!ag_pyparse(buf, size, 3, minor, &perr) && (perr.msg[0] == '\0' || perr.line < 1))
			abort();

	/* The tokenizer alone, to EOF, decoding every string. */
	struct ag_pyscan s;
	struct ag_tok tok;
	struct ag_buf out = {0};
	ag_pyscan_init(&s, buf, size);
	size_t guard = 0;
	while (ag_pyscan_next(&s, &tok) != AG_TOK_EOF) {
		if (tok.kind == AG_TOK_STRING) {
			out.len = 0;
			(void)ag_pyscan_string(&tok, &out);
		}
		if (tok.kind != AG_TOK_ERROR && tok.kind != AG_TOK_NEWLINE &&
		    (tok.p < buf || tok.p + tok.len > buf + size))
			abort(); /* a token must lie inside the buffer */
		/* Every call consumes input or ends the scan. */
		if (++guard > 2 * size + 16)
			abort();
	}
	ag_buf_free(&out);
	free(buf);
	return 0;
}
