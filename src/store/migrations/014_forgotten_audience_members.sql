-- A forgotten customer's ad-audience memberships are closed at once, but the platforms still
-- hold them until the sync sends the removal, and the removal needs the identifiers the
-- deletion erases. The identifiers are kept here until the removal has been sent, then cleared.
alter table audience_memberships add column forgotten jsonb;
