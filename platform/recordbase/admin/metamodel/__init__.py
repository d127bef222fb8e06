"""Metamodel pages of the admin: record types, fields with their options, form layout, preview."""
from .view import MetamodelView

__all__ = ["MetamodelView"]
