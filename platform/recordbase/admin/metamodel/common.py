"""Helpers of the metamodel pages: run a change through the MetamodelService, show its errors."""
from __future__ import annotations

from typing import Any, Callable, Optional

from flask import abort, flash
from flask_babel import gettext as _
from flask_babel import ngettext

from ...context import current_schema, db_session
from ...errors import RecordbaseError
from ...metamodel.runtime import TypeDef
from ...metamodel.service import MetamodelService
from .options import option_input_for


def run_change(change: Callable[[MetamodelService], Any]) -> tuple[Any, Optional[RecordbaseError]]:
    """Apply ``change`` and commit; on a refusal roll back and return the error (nothing half-written)."""
    session = db_session()
    try:
        result = change(MetamodelService(session))
        session.commit()
        return result, None
    except RecordbaseError as exc:
        session.rollback()
        return None, exc
    except BaseException:
        session.rollback()
        raise


def typedef_or_404(type_name: str) -> TypeDef:
    typedef = current_schema().types.get(type_name)
    if typedef is None:
        abort(404)
    return typedef


def _add(form: Any, name: str, message: str) -> None:
    form[name].errors = list(form[name].errors or []) + [message]


def show_errors(form: Any, exc: RecordbaseError, aliases: Optional[dict] = None) -> None:
    """Flash the error, and put each of its details beside the input it concerns."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code == "conversion_refused" and "type" in form:
        _add(form, "type", _refused_conversion(details))
        flash(_("The field was not changed: see the message beside its type."), "error")
        return
    flash(exc.message, "error")
    for key, messages in details.items():
        msgs = messages if isinstance(messages, list) else [messages]
        if key == "options" and "options_json" in form:
            for m in msgs:
                _add(form, option_input_for(str(m), form), str(m))
            continue
        name = (aliases or {}).get(key, key)
        if name not in form and f"opt_{key}" in form:
            name = f"opt_{key}"  # a problem reported by option name (e.g. a formula's "expression")
        if name in form:
            for m in msgs:
                _add(form, name, str(m))


def _refused_conversion(details: dict) -> str:
    """A refused type (or storage) change in the admin's words: what would happen to which records,
    and the checkbox that makes it happen."""
    samples = details.get("samples") or []
    count = int(details.get("count") or len(samples))
    if details.get("changes_values"):
        shown = "; ".join(f"#{c['id']}: {c['value']} → {c['becomes']}" for c in samples[:5])
        text = ngettext("%(num)d value would not be kept as it is (%(values)s). Tick “Apply the change even if "
                        "some values cannot be kept as they are” to change it.",
                        "%(num)d values would not be kept as they are (%(values)s). Tick “Apply the change even "
                        "if some values cannot be kept as they are” to change them.", count, values=shown)
    else:
        shown = "; ".join(f"#{c['id']}: {c['value']}" for c in samples[:5])
        text = ngettext("%(num)d value cannot be converted (%(values)s). Correct it first, or tick “Apply the "
                        "change even if some values cannot be kept as they are” to clear it.",
                        "%(num)d values cannot be converted (%(values)s). Correct them first, or tick “Apply "
                        "the change even if some values cannot be kept as they are” to clear them.",
                        count, values=shown)
    return text + (" …" if count > 5 else "")


def label_in(payload: dict, lang: str) -> str:
    """A type's or field's label as a saved payload gives it, in the page's language."""
    return (payload.get("label_zh") if lang == "zh" else None) or payload["label"]
