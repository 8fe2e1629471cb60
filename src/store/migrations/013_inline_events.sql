-- Events the pipeline produces while it processes a batch (Segment Entered, a journey's
-- update) go through the remaining pipeline stages in the same transaction that wrote them.
-- They are marked here so that reading the log never processes them a second time.
alter table events add column processed_inline boolean;
