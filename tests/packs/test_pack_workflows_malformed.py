"""A pack whose workflows are malformed is refused with a 4xx naming the problem, never a 500
(found by the API fuzzing: the workflows are checked before the rules that name their transitions)."""
import pytest

BAD_WORKFLOWS = [
    [{"type": ["x", None], "initial": [], "state_field": [[-1, None, 2], {}, {}], "transitions": {"a": {}}}],
    [{"type": {"a": 1}, "initial": "x", "state_field": "s", "transitions": []},
     {"type": {"a": 1}, "initial": "x", "state_field": "s", "transitions": []}],
    [{"type": "nope", "state_field": "status", "initial": "draft", "transitions": []}],
    ["not an object"],
    {"not": "a list"},
]


@pytest.mark.parametrize("workflows", BAD_WORKFLOWS)
def test_malformed_workflows_are_refused_not_a_server_error(api, workflows):
    manifest = {"id": "bad_pack", "name": "Bad", "version": "1.0.0", "workflows": workflows,
                "types": [{"name": "thing", "label": "Thing", "fields": [{"name": "title", "label": "Title", "type": "text"}]}]}
    res = api.post("/api/v1/packs/install", json={"manifest": manifest, "sample_data": False})
    assert 400 <= res.status_code < 500, (res.status_code, res.get_data(as_text=True)[:800])
    assert res.get_json()["error"]["message"]
