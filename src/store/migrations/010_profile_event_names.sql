-- Each profile_events row carries its event's name, so a segment's full compute can count a
-- profile's events by name and time from this narrow table alone, without reading the wide
-- event rows. Events without a name (identify...) are stored as '' (conditions never name
-- ''); not null with no default, so a writer that forgets the name fails instead of making
-- counts silently short.
alter table profile_events add column name text;
update profile_events pe set name = coalesce(e.name, '') from events e where e.seq = pe.seq;
update profile_events set name = '' where name is null;
alter table profile_events alter column name set not null;
