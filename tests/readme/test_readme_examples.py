"""The README's shell examples work verbatim against ``recordbase demo``: every ```sh block is run by
bash, as written, in the folder of a real demo served by ``recordbase serve`` (only the demo's
address, ``http://127.0.0.1:5000``, becomes the test server's). Each command's answer is checked:
the commands succeed, every curl answer is JSON without an error, the supplier created is found by
the filtered list that follows."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from databases import fresh_database
from processes import free_port, recordbase_command

README = Path(__file__).resolve().parents[2] / "README.md"
DEMO_ADDRESS = "http://127.0.0.1:5000"
END = "--rb-command-end--"


def shell_blocks(text: str) -> list[str]:
    """The ```sh blocks of a Markdown text, dedented."""
    out = []
    for m in re.finditer(r"^([ \t]*)```sh\n(.*?)^\1```", text, re.S | re.M):
        indent = len(m.group(1))
        out.append("\n".join(line[indent:] for line in m.group(2).splitlines()))
    return out


def commands(block: str) -> list[str]:
    """One entry per command (lines ending in a backslash joined)."""
    return [c.strip() for c in re.sub(r"\\\n\s*", " ", block).splitlines() if c.strip()]


@pytest.fixture(scope="module")
def demo(template_db, tmp_path_factory) -> Iterator[tuple[str, Path, dict]]:
    folder = tmp_path_factory.mktemp("readme")
    databases = fresh_database(template_db, folder)
    env = dict(os.environ, RECORDBASE_DATABASE_URL=next(databases))
    env.pop("RECORDBASE_INSTANCE", None)
    setup = subprocess.run([*recordbase_command(), "demo", "--no-serve", "--timezone", "Asia/Shanghai"], cwd=folder,
                           env=env, capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(folder / "serve.log", "w") as log:
        process = subprocess.Popen([*recordbase_command(), "serve", "--port", str(port), "--workers", "1"],
                                   cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/admin/login/", timeout=2)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (folder / "serve.log").read_text()
                time.sleep(0.2)
        yield base, folder, env
    finally:
        process.terminate()
        process.wait(timeout=20)
        next(databases, None)


def test_the_readme_has_the_api_examples():
    blocks = shell_blocks(README.read_text())
    assert blocks, "no ```sh block in the README"
    text = "\n".join(blocks)
    assert "recordbase tokens create" in text and re.search(r"curl -[a-z]*g", text)


def test_every_readme_shell_block_runs_verbatim_against_the_demo(demo):
    base, folder, env = demo
    for block in shell_blocks(README.read_text()):
        steps = commands(block)
        script = "set -euo pipefail\n" + "".join(f"{c}\necho; echo {END}\n" for c in steps)
        script = script.replace(DEMO_ADDRESS, base)
        done = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (block, done.stdout[-3000:], done.stderr[-3000:])
        outputs = done.stdout.split(END)[:-1]
        assert len(outputs) == len(steps)
        answers = {}
        for command, output in zip(steps, outputs):
            if shlex.split(command)[0] == "curl":
                body = json.loads(output)
                assert "error" not in body, (command, body)
                answers[command] = body
        _check_the_tour(answers)


def _check_the_tour(answers: dict[str, dict]) -> None:
    """What the README says the API tour does, checked on the answers."""
    types = next(b for c, b in answers.items() if c.endswith("/api/v1/types"))
    names = {t["name"] for t in (types.get("types") or types.get("items") or types.get("data") or [])}
    assert {"supplier", "contract"} <= names, types
    created = next(b for c, b in answers.items() if " -d " in c)
    assert created["fields"]["name"] == "Acme Cleaning" and created["fields"]["status"] == "prospect"
    listed = next(b for c, b in answers.items() if "filter=" in c)
    records = listed.get("records") or listed.get("items") or listed.get("data")
    assert records and records[0]["id"] == created["id"], listed
    assert all(r["fields"]["status"] == "prospect" for r in records)
