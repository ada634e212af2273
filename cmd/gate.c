#include "gate.h"
#include "platform.h"
#include "lib/catalog.h"
#include "lib/preflight.h"
#include "lib/quote.h"

#include <stdlib.h>
#include <string.h>

const char *ag_gate_table(const struct ag_ctx *ctx)
{
	return ctx->version_table ? ctx->version_table : "alembic_version";
}

void ag_gate_verdict_opts(const struct ag_ctx *ctx, const char *table, struct ag_verdict_opts *vo)
{
	memset(vo, 0, sizeof *vo);
	vo->target_heads = ctx->heads_ok;
	vo->strict = ctx->strict;
	vo->table = table;
	vo->table_schema = ctx->version_table_schema;
	vo->table_name = ag_gate_table(ctx);
	vo->replaces_old = &ctx->settings.replaces_old;
	vo->replaces_new = &ctx->settings.replaces_new;
	vo->settings = &ctx->settings;
}

struct rows_arg {
	struct ag_catalog *cat;
	struct ag_db *db;
	struct ag_err *err;
};

static int has_rows(void *arg, struct ag_catalog_table *t)
{
	struct rows_arg *a = arg;
	return ag_catalog_has_rows(a->cat, t, a->db, a->err);
}

/*
 * Pre-flight: the pending migrations replayed over the live catalog, read
 * in the gate's read-only transaction. Its findings join the database's,
 * after the settings (ignore, severity), and can block: an error (or, with
 * --strict, a warning) makes the exit code 1. -1 with err when the
 * catalog could not be read.
 */
static int preflight(struct ag_ctx *ctx, struct ag_gate *gate, struct ag_db *db,
		     const struct ag_verdict_opts *vo, struct ag_err *err)
{
	const struct ag_graph *g = ctx->graph;
	struct ag_verdict *v = &gate->verdict;
	struct ag_preflight_file *files = ag_calloc(v->npending, sizeof *files);
	for (size_t i = 0; i < v->npending; i++) {
		const struct ag_node *nd = &g->v[v->pending[i]];
		files[i].ops = nd->script->schema;
		files[i].file = nd->script->path;
		files[i].revision = nd->id;
	}
	struct ag_strv schemas = {0}, names = {0};
	ag_preflight_schemas(files, v->npending, &schemas);
	ag_preflight_names(files, v->npending, &names);
	struct ag_catalog cat = {0};
	int rc = ag_catalog_read(&cat, db, &schemas, &names, ag_preflight_parts(files, v->npending),
				 err);
	struct ag_findings pf = {0};
	if (rc == 0) {
		struct rows_arg ra = {&cat, db, err};
		struct ag_preflight_opts po = {
			.lock_rows = ctx->settings.lock_risk_rows, .has_rows = has_rows, .arg = &ra};
		rc = ag_preflight_run(&cat, files, v->npending, &po, &pf);
	}
	if (rc == 0) {
		ag_settings_apply(vo->settings, &pf);
		bool block = ag_findings_count(&pf, AG_SEV_ERROR) ||
			     (vo->strict && ag_findings_count(&pf, AG_SEV_WARNING));
		if (block && gate->exit_code != 1) {
			gate->exit_code = 1;
			v->exit_code = 1;
			/* A blocked release runs nothing (as lib/verdict does). */
			for (size_t i = 0; i < v->findings.n; i++)
				if (strcmp(v->findings.v[i].code, "pending-migrations") == 0) {
					free(v->findings.v[i].fix);
					v->findings.v[i].fix = NULL;
				}
		}
		ag_findings_move(&v->findings, &pf);
	}
	ag_findings_free(&pf);
	ag_catalog_free(&cat);
	ag_strv_free(&schemas);
	ag_strv_free(&names);
	free(files);
	return rc;
}

int ag_gate_run(struct ag_ctx *ctx, const struct ag_gate_opts *o, struct ag_gate *gate,
		struct ag_err *err)
{
	memset(gate, 0, sizeof *gate);
	gate->context = ag_platform_context();
	if (ag_ctx_load_repo(ctx, err) < 0)
		return -1;
	const char *table = ag_gate_table(ctx);
	gate->table = ag_db_table_name(ctx->version_table_schema, table);
	gate->table_sql = ag_quote_sql_table(ctx->version_table_schema, table);
	const char *url = ag_ctx_database_url(ctx);
	struct ag_verdict_opts vo;
	ag_gate_verdict_opts(ctx, gate->table, &vo);
	vo.require_at_head = o->require_at_head;
	struct ag_graph *g = ctx->graph;
	if (!url) {
		if (o->need_db)
			return ag_err_set(err, AG_ERR_USAGE,
					  "no database to check: pass --database-url, set DATABASE_URL, or "
					  "set sqlalchemy.url in the config");
		gate->db_error = ag_strdup("no database URL (--database-url, DATABASE_URL or "
					   "sqlalchemy.url)");
		gate->exit_code = ag_verdict_repo_exit(g, &vo);
		goto report;
	}
	gate->db_checked = true;
	const char *sslenv = getenv("PGSSLMODE");
	struct ag_db_opts dbo = {
		.url = url,
		.connect_timeout = ctx->connect_timeout,
		.sslmode_from_env = sslenv && *sslenv,
	};
	struct ag_err dberr = {0};
	struct ag_db *db = ag_db_connect(&dbo, &dberr);
	if (db) {
		gate->db_target = ag_strdup(ag_db_target(db));
		/* One read-only transaction: the version table, then pre-flight's
		 * catalog, from one snapshot. */
		if (ag_db_begin_read(db, &dberr) == 0 &&
		    ag_db_read_versions(db, ctx->version_table_schema, table, &gate->table_exists,
					&gate->rows, &dberr) == 0)
			gate->db_reachable = true;
	}
	if (!gate->db_reachable) {
		gate->db_error = ag_strdup(dberr.msg);
		/* A malformed URL is the user's configuration, not the network. */
		gate->exit_code = dberr.kind == AG_ERR_USAGE ? AG_EXIT_USAGE : AG_EXIT_DB;
		ag_db_close(db);
		goto report;
	}
	ag_verdict_judge(&gate->verdict, g, gate->table_exists, &gate->rows, &vo);
	gate->judged = true;
	gate->exit_code = gate->verdict.exit_code;
	if ((gate->verdict.npending && preflight(ctx, gate, db, &vo, &dberr) < 0) ||
	    ag_db_end_read(db, &dberr) < 0) {
		gate->db_error = ag_strdup(dberr.msg);
		gate->db_reachable = false;
		gate->judged = false;
		gate->exit_code = AG_EXIT_DB;
		ag_verdict_free(&gate->verdict);
		ag_db_close(db);
		goto report;
	}
	if (o->keep_db)
		gate->db = db;
	else
		ag_db_close(db);
report:
	/* One list for the report: the repository's findings, then the database's. */
	ag_findings_copy(&gate->all, &g->findings);
	if (gate->judged)
		ag_findings_copy(&gate->all, &gate->verdict.findings);
	ag_findings_sort(&gate->all);
	ag_strv_sort(&gate->rows);
	return 0;
}

void ag_gate_report(struct ag_ctx *ctx, const struct ag_gate *gate, const char *command,
		    struct ag_report *r)
{
	memset(r, 0, sizeof *r);
	r->command = command;
	r->exit_code = gate->exit_code;
	r->graph = ctx->graph;
	r->locations = &ctx->locations;
	r->db_checked = gate->db_checked;
	r->db_reachable = gate->db_reachable;
	r->db_table = gate->table;
	r->db_target = gate->db_target;
	r->context = gate->context;
	r->db_rows = &gate->rows;
	r->db_table_exists = gate->table_exists;
	r->db_error = gate->db_error;
	r->pending = gate->judged ? gate->verdict.pending : NULL;
	r->npending = gate->judged ? gate->verdict.npending : 0;
	r->path_unknown = gate->judged && gate->verdict.unknown.n > 0;
	r->findings = &gate->all;
}

void ag_gate_free(struct ag_gate *gate)
{
	if (!gate)
		return;
	ag_db_close(gate->db);
	free(gate->db_error);
	free(gate->db_target);
	free(gate->context);
	free(gate->table);
	free(gate->table_sql);
	ag_strv_free(&gate->rows);
	ag_verdict_free(&gate->verdict);
	ag_findings_free(&gate->all);
	memset(gate, 0, sizeof *gate);
}

void ag_gate_emit_repair(struct ag_ctx *ctx, struct ag_report *r, const struct ag_repair *plan,
			 const char *table, bool written, bool applied, long rows)
{
	struct ag_buf out = {0};
	/* The report as data, extended by lib/repair: never rendered and
	 * parsed back. */
	json_t *report = ag_report_json(r);
	ag_repair_render_json(plan, table, report, written, applied, rows, &out);
	json_decref(report);
	fwrite(out.p, 1, out.len, ctx->out);
	ag_buf_free(&out);
}

int ag_gate_refuse_repair(struct ag_ctx *ctx, const char *command, const struct ag_gate *gate,
			  const struct ag_err *err)
{
	int rc = ag_cmd_fail(ctx, command, err);
	if (ctx->format != AG_FORMAT_JSON)
		return rc;
	struct ag_findings fs = {0};
	ag_findings_add(&fs, AG_SEV_ERROR, "repair-refused", NULL, err->file[0] ? err->file : NULL,
			err->line, "%s", err->msg);
	struct ag_report r;
	ag_gate_report(ctx, gate, command, &r);
	r.exit_code = rc;
	r.findings = &fs;
	r.pending = NULL;
	r.npending = 0;
	struct ag_repair empty = {0};
	ag_gate_emit_repair(ctx, &r, &empty, gate->table_sql, false, false, -1);
	ag_findings_free(&fs);
	return rc;
}
