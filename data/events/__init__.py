"""Activity events and what engagement does with them (issue 11, SPEC §12).

Modules: ``timestamps`` (one reader for event times, each cell by itself), ``records`` (an event's
fields normalised, derived ids), ``importer`` (`leadscore events import` and the Import page),
``mapping`` (the ``[activities]`` section of the Notion mapping file), ``notion`` (the activities data
source, read on sync), ``engagement`` (the store's events and practices → the pure engine),
``snapshots`` (the daily history), ``automation`` (rules fired after scoring, logged once per
practice, rule and day), ``delivery`` (the Notion property writes rules queue), ``demo`` (the sample
book's event history) and ``hooks`` (what a sync does for engagement after it has scored).
"""
