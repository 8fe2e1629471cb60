-- Embedded mode answers an accepted event once it is in the accept journal, a file in the data
-- folder, and moves it into the events table afterwards. The byte position moved up to
-- commits with the moved events, so a restart moves each journaled event exactly once.
create table accept_journal (
  id text primary key,
  position bigint not null
);
