/** The baseline's statement: the event log's own batched INSERT, aimed at a copy of the table. */
export const INSERT_EVENTS_SQL_FOR_BENCH = `
  insert into bench_baseline (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body)
  select x.w, x.m, x.t, x.n, x.c, x.u, x.a, to_timestamp(x.ts / 1000.0), to_timestamp(x.r / 1000.0), x.s, x.b
    from jsonb_to_recordset($1::jsonb) as x(w text, m text, t text, n text, c text, u text, a text, ts float8, r float8, s text, b jsonb)
  on conflict (workspace_id, message_id) do nothing`;
