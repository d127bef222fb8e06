"""Form layouts: a record type's form sections (bilingual titles and help, one or two columns) and
its details page's related-record tables (which backlinks, which columns, inline child rows).

One JSON document per type (:mod:`.document`), stored in ``rb_form_layout`` (:mod:`.models`), read
into the runtime schema (``TypeDef.form_layout``) and changed through :mod:`.service` (which bumps
the schema version, so every process's forms follow).
"""
