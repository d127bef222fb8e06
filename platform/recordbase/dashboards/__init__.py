"""Dashboards (design §11, issue 17 item 6): pages of widgets over the aggregation engine, stored as
JSON-schema validated documents (:mod:`.document`, table in :mod:`.models`), built in the admin
(:mod:`recordbase.admin.dashboards`), shipped in packs. Widget kinds: :mod:`.widgets`."""
