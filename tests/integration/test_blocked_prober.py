"""A bot defence in front of the reference extranet refuses the prober: on every engine the run says
it is the prober's problem (``probe_error``, class ``blocked``, the product and its reference id), never
a browser's failure; and when some engines only are refused, what the refusal follows.

Each test runs the R1 journey's home-page test (the real page object and journey) in a child pytest
on the three engines, the extranet started with one of its bot-defence faults (``extranet/bot_defence.py``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.child_pytest import run_pytest  # tests/ is on sys.path (pytest's rootdir-relative import)

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=150)]

ENGINES = ("chromium", "firefox", "webkit")


def run_home_page(tmp_path: Path, faults: dict[str, Any], **target: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    """R1's home-page test on the three engines against an extranet with ``faults``: results by browser."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "target.toml"
    lines = [f"extranet_args = {json.dumps(['--faults', json.dumps(faults)])}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in target.items()]
    config.write_text("\n".join(lines) + "\n")
    args = [a for e in ENGINES for a in ("--browser", e)]
    proc, results = run_pytest(tmp_path, "journeys/test_r_pages_accessibles.py", "-k", "accueil_liens",
                               "--target-config", str(config), *args)
    by_browser = {r["browser"]: r for r in results}
    assert sorted(by_browser) == sorted(ENGINES), proc.stdout[-3000:]
    return proc, by_browser


def assert_blocked(result: dict[str, Any], product: str) -> dict[str, Any]:
    assert (result["outcome"], result["failure_class"]) == ("probe_error", "blocked"), result
    assert result["blocked"]["product"] == product, result["blocked"]
    assert result["message"].startswith(f"blocked by {product}"), result["message"]
    return result["blocked"]


def test_a_headless_user_agent_is_refused_only_while_the_prober_sends_one(tmp_path: Path) -> None:
    # The case: the defence refuses « HeadlessChrome ». Presented as the engine sends itself,
    # Chromium alone is refused, as the prober's problem, and the re-send says it follows the user agent.
    proc, results = run_home_page(tmp_path / "engine", {"bot_defence_user_agent": True}, user_agent="engine")
    block = assert_blocked(results["chromium"], "f5")
    assert block["status"] == 403 and block["reference"].startswith("support ID "), block
    assert block["refusal_follows"] == "user_agent", block
    assert [results[e]["outcome"] for e in ("firefox", "webkit")] == ["success", "success"]
    assert "BLOCKED: the prober was refused by a bot defence" in proc.stdout
    assert "chromium          0        0                  0            1" in proc.stdout  # in no rate
    # Presented as a person's browser (the default), no engine is refused.
    _, results = run_home_page(tmp_path / "ordinary", {"bot_defence_user_agent": True})
    assert {e: r["outcome"] for e, r in results.items()} == dict.fromkeys(ENGINES, "success")
    sent = {h["name"]: h["value"] for h in results["chromium"]["sent_headers"]}
    assert "HeadlessChrome" not in sent["user-agent"] + sent["sec-ch-ua"] and " Chrome/" in sent["user-agent"]
    assert '"Chromium";v="' in sent["sec-ch-ua"] and sent["sec-ch-ua-platform"] == '"Linux"', sent  # hints kept, not emptied
    for engine in ENGINES:  # what each engine really sent the extranet: the suffix, the header, the language
        sent = {h["name"]: h["value"] for h in results[engine]["sent_headers"]}
        assert sent["user-agent"].endswith(" aparts-sentinel"), (engine, sent)
        assert sent["x-synthetic-monitor"].startswith("aparts-sentinel"), (engine, sent)
        if "accept-language" in sent:  # WebKit's request headers, as Playwright reports them, leave it out
            assert sent["accept-language"].startswith("fr-FR"), (engine, sent)


def test_a_defence_refusing_the_monitors_user_agent_blocks_every_engine(tmp_path: Path) -> None:
    proc, results = run_home_page(tmp_path, {"bot_defence_user_agent": ["aparts-sentinel"]})
    for engine in ENGINES:
        block = assert_blocked(results[engine], "f5")
        assert block["refusal_follows"] is None  # every engine refused alike: nothing to compare
    assert proc.returncode == 1
    assert "failure  " not in proc.stdout.split("journeys per browser")[-1].split("\n")[0]


def test_the_automation_challenge_refuses_the_automated_engines(tmp_path: Path) -> None:
    _, results = run_home_page(tmp_path, {"bot_defence_automation": True})
    for engine in ("chromium", "firefox"):  # navigator.webdriver is true under CDP and WebDriver BiDi
        block = assert_blocked(results[engine], "js_challenge")
        assert block["refusal_follows"] == "automation", block
    # WebKitGTK attached through its inspector does not set navigator.webdriver: a person's WebKit passes,
    # and so does this one. Never a failure either way.
    assert results["webkit"]["outcome"] == "success", results["webkit"]


def test_a_rate_limit_is_the_probers_problem(tmp_path: Path) -> None:
    _, results = run_home_page(tmp_path, {"bot_defence_rate": {"requests": 1, "window_seconds": 600}})
    assert not [r for r in results.values() if r["outcome"] == "failure"], results
    blocked = [assert_blocked(r, "rate_limit") for r in results.values() if r["outcome"] != "success"]
    assert len(blocked) >= 2 and all(b["status"] == 429 and b["retry_after"] for b in blocked), blocked
    assert all(b["refusal_follows"] is None for b in blocked)  # a rate limit is not re-sent
