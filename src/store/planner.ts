/**
 * The planner's cost of reading a page at random, relative to reading pages in order, set for
 * Omnis's own sessions. PostgreSQL's default (4) prices a random read as a disk seek; Omnis reads
 * hot rows through indexes, from memory or SSD. With the default, loading the event history of
 * 2,000 returning profiles (ten events each among 1,000,000) hashed the whole events table:
 * 189 ms on PostgreSQL 15 and 411 ms on PGlite, against 98 and 251 ms with 1.1, the value
 * commonly advised for SSDs. Only in place of the default: a value the server's configuration,
 * the database or the role sets is the DBA's, and is kept.
 */
export const RANDOM_PAGE_COST = 1.1;

/** Where the server's random_page_cost comes from for this connection: 'default' when nobody set it. */
export const RANDOM_PAGE_COST_SOURCE_SQL = `select source from pg_settings where name = 'random_page_cost'`;
