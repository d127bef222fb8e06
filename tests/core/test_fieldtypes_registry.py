"""The field-type registry: the names of design §7 and what every type declares."""
from __future__ import annotations

import jsonschema
import pytest

from recordbase.errors import ValidationError
from recordbase.metamodel.fieldtypes import field_types, get_field_type
from recordbase.metamodel.operators import OPERATORS

# design §7, "Field type names in the API"
DESIGN_TYPES = {"text", "long_text", "number", "decimal", "currency", "percent", "boolean", "date", "datetime",
                "duration", "single_select", "multi_select", "email", "url", "phone", "rating", "link", "user",
                "attachment", "autonumber", "formula", "lookup", "rollup", "count"}
# the computed types come with the formula language (design §5), a later issue than the core one
COMPUTED = {"formula", "lookup", "rollup", "count"}
SYSTEM = {"created_at", "updated_at", "created_by", "updated_by"}


def test_registry_holds_exactly_the_design_names():
    names = set(field_types())
    assert names - SYSTEM <= DESIGN_TYPES, f"not in design §7: {sorted(names - SYSTEM - DESIGN_TYPES)}"
    assert SYSTEM <= names
    missing = DESIGN_TYPES - COMPUTED - names
    assert not missing, f"core types missing from the registry: {sorted(missing)}"
    # once the computed types are registered they must use exactly the design's names (checked above)


@pytest.mark.parametrize("name", sorted(field_types()))
def test_every_type_declares_its_contract(name):
    ft = get_field_type(name)
    assert ft.name == name
    assert isinstance(ft.label, str) and ft.label.strip()
    assert isinstance(ft.label_zh, str) and ft.label_zh.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ft.label_zh), f"{name}: label_zh {ft.label_zh!r} is not Chinese"
    assert ft.operators, f"{name} has no filter operators"
    unknown = set(ft.operators) - set(OPERATORS)
    assert not unknown, f"{name} lists unknown operators {unknown}"
    assert isinstance(ft.options_schema, dict) and ft.options_schema.get("type") == "object"
    jsonschema.Draft202012Validator.check_schema(ft.options_schema)
    assert set(ft.convertible_to) <= set(field_types()), f"{name} converts to unknown types"


def test_labels_are_distinct():
    types = field_types().values()
    assert len({t.label for t in types}) == len(types)
    assert len({t.label_zh for t in types}) == len(types)


def test_unknown_type_is_a_validation_error():
    with pytest.raises(ValidationError) as exc:
        get_field_type("spreadsheet")
    assert "spreadsheet" in exc.value.message
