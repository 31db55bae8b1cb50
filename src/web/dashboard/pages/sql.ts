/**
 * @module web/dashboard/pages/sql
 * The SQL box: a script with one job (CREATE TABLE ... then INSERT INTO or SELECT) submitted with
 * POST /api/jobs. A planning error is shown with its line and column as the server wrote it; a
 * submitted job opens its page.
 */
import { api, ApiError } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { PageFactory } from "../page.ts";

/** A job that runs for about five minutes: paced generated clicks, counted per user in 5 s windows. */
export const EXAMPLE_SQL = `-- Clicks per user in 5-second windows, from a generator paced at 2,000 rows/s (5 minutes of data).
CREATE TABLE clicks (
  user_id BIGINT,
  amount BIGINT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '600000',
  'rows-per-second' = '2000',
  'fields.user_id.min' = '1',
  'fields.user_id.max' = '20',
  'fields.amount.min' = '1',
  'fields.amount.max' = '100'
);
CREATE TABLE totals (user_id BIGINT, clicks BIGINT, amount BIGINT, window_end TIMESTAMP(3))
  WITH ('connector' = 'blackhole');
INSERT INTO totals
SELECT user_id, COUNT(*), SUM(amount), window_end
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY user_id, window_start, window_end;
`;

export const sqlPage: PageFactory = (root, shell) => {
  const name = h("input", { id: "sql-name", type: "text", value: "sql-job", required: true, maxlength: 200 });
  const parallelism = h("input", { id: "sql-parallelism", type: "number", value: 1, min: 1, max: 1024, required: true });
  const text = h("textarea", { id: "sql-text", rows: 24, spellcheck: false });
  text.value = EXAMPLE_SQL;
  const result = h("div", { id: "sql-result" });
  const submit = h("button", { id: "sql-submit", type: "submit", class: "primary" }, "Submit");
  const form = h(
    "form",
    {
      class: "card sql-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void send();
      },
    },
    h("div", { class: "row" }, h("label", {}, "Job name ", name), h("label", {}, "Parallelism ", parallelism), submit),
    text,
    result,
  );
  replace(root, h("h1", {}, "SQL"), h("p", {}, "Submit a streaming SQL script with one job (INSERT INTO or SELECT) to the cluster. A bare SELECT prints its rows on the workers' stdout."), form);

  async function send(): Promise<void> {
    submit.disabled = true;
    replace(result, h("p", { class: "muted" }, "planning and submitting…"));
    try {
      const { jobId } = await api.submitSql(name.value, Number(parallelism.value), text.value);
      shell.flash(`submitted job ${jobId}`, "info");
      shell.navigate(`#/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const fields = Object.entries(error.fields).filter(([field]) => field !== "sql" || error.fields.sql?.[0] !== error.message);
      replace(result, h("div", { class: "error-box", role: "alert" }, h("pre", {}, error.message), ...fields.map(([field, messages]) => h("p", {}, `${field}: ${messages.join("; ")}`))));
    } finally {
      submit.disabled = false;
    }
  }

  return { refresh: async () => {} };
};
