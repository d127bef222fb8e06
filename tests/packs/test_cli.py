"""``recordbase packs list|install|export|uninstall|check``."""
from __future__ import annotations

import json

from click.testing import CliRunner

from recordbase.cli import cli

from .packdata import mini_pack, write_folder


def run(url, *args):
    return CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)


def test_list_install_export_uninstall(db, tmp_path):
    db.user()
    result = run(db.url, "packs", "list")
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("outsourcing"))
    assert "服务类外包管理" in line and " - " in line
    folder = write_folder(mini_pack(), tmp_path / "mini")
    result = run(db.url, "packs", "install", str(folder), "--sample-data")
    assert result.exit_code == 0, result.output
    assert "Installed mini 1.0.0: created 2 record types" in result.stdout and "4 sample records" in result.stdout
    result = run(db.url, "packs", "install", str(folder / "pack.json"), "--sample-data")
    assert result.exit_code == 0 and "nothing to change" in result.stdout
    listed = json.loads(run(db.url, "packs", "list", "--json").stdout)["packs"]
    assert next(p for p in listed if p["id"] == "mini")["installed"] == "1.0.0"
    out = tmp_path / "export.json"
    result = run(db.url, "packs", "export", "--types", "company,deal", "-o", str(out), "--records", "--id", "mini_copy")
    assert result.exit_code == 0, result.output
    assert "Exported 2 record types, 1 rules, 1 views, 4 records" in result.stdout
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["id"] == "mini_copy" and len(exported["sample_data"]) == 2
    result = run(db.url, "packs", "check", str(out))
    assert result.exit_code == 0 and "valid" in result.stdout
    result = run(db.url, "packs", "uninstall", "mini")
    assert result.exit_code == 0 and "moved to the trash" in result.stdout
    assert db.type_names() == set()


def test_a_broken_pack_lists_every_problem_and_installs_nothing(db, tmp_path):
    p = mini_pack()
    p["types"][1]["fields"][1]["options"]["target"] = "firm"
    p["types"][0]["fields"][2]["type"] = "memo"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(p), encoding="utf-8")
    result = run(db.url, "packs", "install", str(path))
    assert result.exit_code == 1
    assert "$.types[1].fields[1].options.target: no record type named 'firm'" in result.stderr
    assert "$.types[0].fields[2].type: unknown field type 'memo'" in result.stderr
    assert "nothing was installed" in result.stderr
    assert db.type_names() == set()
    result = run(db.url, "packs", "install", "no_such_pack")
    assert result.exit_code == 1 and "No pack named 'no_such_pack'" in result.stderr


def test_check_the_shipped_packs(db):
    for name, version in (("outsourcing", "1.1.0"), ("crm", "1.0.0"), ("equipment", "1.0.0"), ("helpdesk", "1.0.0")):
        result = run(db.url, "packs", "check", name)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{name} {version}: valid")
