/*
 * libFuzzer target for lib/config: the same bytes as alembic.ini and as
 * pyproject.toml. The input is copied into a buffer of exactly its size so
 * AddressSanitizer catches a read past the end.
 *
 * Build: make fuzz. Run: see tests/fuzz/README.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	if (ag_config_parse_ini(&cfg, buf, size, "/srv/app/alembic.ini", NULL, &err) < 0 &&
	    err.kind == 0)
		abort(); /* a failure must say why */
	ag_config_free(&cfg);

	memset(&err, 0, sizeof err);
	memset(&cfg, 0, sizeof cfg);
	if (ag_config_parse_toml(&cfg, buf, size, "/srv/app/pyproject.toml", &err) < 0 &&
	    err.kind == 0)
		abort();
	ag_config_free(&cfg);
	free(buf);
	return 0;
}
