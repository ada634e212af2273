/*
 * libFuzzer target for lib/config and lib/settings: the same bytes as
 * alembic.ini and as pyproject.toml; whatever [alembic-guard] /
 * [tool.alembic-guard] settings a reader keeps then go through
 * ag_settings_parse, and settings that parse are applied to a few findings
 * (the `ignore` globs, `severity`) and merged into defines. The input is
 * copied into a buffer of exactly its size so AddressSanitizer catches a
 * read past the end.
 *
 * Build: make fuzz. Run: see tests/fuzz/README.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/finding.h"
#include "lib/script.h"
#include "lib/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The settings of a config that parsed, as a command would use them. */
static void settings(const struct ag_config *cfg)
{
	struct ag_err err;
	struct ag_settings st;
	memset(&err, 0, sizeof err);
	memset(&st, 0, sizeof st);
	if (ag_settings_parse(&st, cfg, &err) < 0) {
		if (err.kind == 0)
			abort(); /* a failure must say why */
		ag_settings_free(&st);
		return;
	}
	if (!st.uuid_helpers.n)
		abort(); /* always at least the default helper */
	struct ag_findings fs = {0};
	static const char *const codes[] = {"file-name-convention", "multiple-heads",
					    "parse-error", "unresolved-value"};
	static const char *const files[] = {"migrations/versions/001_init.py",
					    "./versions/a/b.py", "/srv/app/x.py", NULL};
	for (size_t i = 0; i < AG_ARRAY_LEN(codes); i++)
		for (size_t j = 0; j < AG_ARRAY_LEN(files); j++)
			ag_findings_add(&fs, AG_SEV_WARNING, codes[i], NULL, files[j], 1, "f");
	for (size_t i = 0; i < st.ignore_codes.n; i++)
		ag_findings_add(&fs, AG_SEV_INFO, st.ignore_codes.v[i], NULL,
				st.ignore_globs.v[i], 1, "g");
	ag_settings_apply(&st, &fs);
	ag_findings_free(&fs);
	struct ag_defines d = {0};
	ag_defines_set(&d, "cli.EXPAND_BRANCH", "cli");
	ag_settings_merge_defines(&st, &d);
	ag_defines_free(&d);
	ag_settings_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	struct ag_err err;
	struct ag_config cfg;

	memset(&err, 0, sizeof err);
	memset(&cfg, 0, sizeof cfg);
	if (ag_config_parse_ini(&cfg, buf, size, "/srv/app/alembic.ini", NULL, &err) < 0) {
		if (err.kind == 0)
			abort(); /* a failure must say why */
	} else {
		settings(&cfg);
	}
	ag_config_free(&cfg);

	memset(&err, 0, sizeof err);
	memset(&cfg, 0, sizeof cfg);
	if (ag_config_parse_toml(&cfg, buf, size, "/srv/app/pyproject.toml", &err) < 0) {
		if (err.kind == 0)
			abort();
	} else {
		settings(&cfg);
	}
	ag_config_free(&cfg);
	free(buf);
	return 0;
}
