"""Data in and out: import CSV/XLSX into a record type, export lists to CSV/XLSX.

- :mod:`.readers`: files as a stream of rows (CSV encoding and delimiter sniffed; XLSX in
  read-only mode, first or named sheet, merged header cells, cached formula values);
- :mod:`.mapping`: columns to fields by label (English or Chinese) or API name, editable;
- :mod:`.parsing`: what a cell needs before its field type reads it (date order, serial
  dates, links by primary field, users by e-mail or name);
- :mod:`.importer`: batched writes through the record store in one transaction, all-or-nothing
  or skipping bad rows, upsert on a key field, dry run; :mod:`.import_report`: its options and
  its report (counts, problems per row and column, preview, the error-report CSV);
- :mod:`.infer`: a new type's fields guessed from the data;
- :mod:`.exporters`: CSV (UTF-8 with BOM) and XLSX with labels, formatted values and
  formula-injection protection.

Every surface (CLI, API, admin) goes through :func:`run_import` and :func:`export_to_file`.
"""
from .exporters import export_rows, export_to_file, neutralise
from .importer import ImportOptions, ImportReport, RowError, run_import
from .infer import infer_fields, propose_type
from .mapping import auto_map
from .readers import ReadError, Table, open_table

__all__ = ["open_table", "Table", "ReadError", "auto_map", "run_import", "ImportOptions", "ImportReport",
           "RowError", "infer_fields", "propose_type", "export_rows", "export_to_file", "neutralise"]
