"""The metamodel: record types, fields, field-type registry, filter language, runtime schema."""
