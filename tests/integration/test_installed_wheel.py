"""Installed, it works: the wheel in a fresh virtual environment, used from an empty folder.

What a QA team does with the published package: ``pip install aparts-sentinel``, write a journey of its own
with the page objects, run it with ``pytest`` (the plugin comes by its ``pytest11`` entry point, the reference
extranet is started for the run), and run the monitor once with the console script. Nothing of the checkout
is on the path: no root conftest, no pyproject.toml, no ``tests/``.

Why the fresh environment borrows this one's packages (a ``.pth`` line, not ``pip install`` of the
dependencies): no download in a test, and the wheel is what is being tested, not PyPI. The line names a
folder of links to this venv's packages *without* the checkout's editable install (its finder and its
dist-info, whose entry point would register the plugin even if the wheel's did not); a ``.pth`` line adds
a folder without running that folder's own ``.pth`` files.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.long_running(seconds=120)]

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from (copied, so that the build's build/ and *.egg-info stay out of the checkout).
SOURCES = ("pyproject.toml", "README.md", "aparts_sentinel", "extranet", "fixtures", "pages", "journeys", "monitor",
           "ops/monitor.example.toml")

QA_JOURNEY = '''\
"""A QA team's own journey: the page objects of the installed package, against the reference extranet."""
import pytest
from playwright.sync_api import Page

from pages import AccueilPage, MotDePasseOubliePage


@pytest.mark.journey("QA1")
def test_le_formulaire_mot_de_passe_oublie_s_ouvre(page: Page) -> None:
    accueil = AccueilPage(page)
    accueil.ouvrir()
    accueil.attendre()
    accueil.cliquer_j_ai_oublie_mon_mot_de_passe()
    MotDePasseOubliePage(page).expect_formulaire()
'''

#: One journey, one engine, read-only (N1's look at the home page), no retry.
MONITOR_TOML = '''\
[run]
journeys = ["N1"]
browsers = ["chromium"]
pytest_k = "signale_s_il_est_affiche"
retries = 0
cycle_timeout = "3m"
[store]
path = "data/monitor.db"
artifacts_dir = "data/artifacts"
aria_snapshots_dir = "data/aria"
'''


def _copy_sources(into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        source, target = ROOT / name, into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, target)


def _borrowed(base: Path) -> Path:
    """This venv's packages as links, without the checkout's own install: its dist-info would still declare
    the pytest11 entry point and the console script, and the test could not tell the wheel's from them."""
    ours, view = Path(sysconfig.get_paths()["purelib"]), base / "borrowed"
    view.mkdir()
    for entry in ours.iterdir():
        if not entry.name.startswith(("aparts_sentinel", "__editable__", "__editable___aparts_sentinel")):
            (view / entry.name).symlink_to(entry)
    return view


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the wheel installed in it (and this venv's packages borrowed): its bin/ and env."""
    base = tmp_path_factory.mktemp("wheel")
    src, dist, venv = base / "src", base / "dist", base / "venv"
    _copy_sources(src)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST_"))}
    started = time.monotonic()
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
                 base, env, 300)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel, = dist.glob("aparts_sentinel-*.whl")
    build_seconds = time.monotonic() - started
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env, 60)
    (Path(purelib.stdout.strip()) / "borrowed-from-the-checkout-venv.pth").write_text(f"{_borrowed(base)}\n")
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                 str(wheel)], base, env, 300)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"wheel built in {build_seconds:.1f} s, installed in {time.monotonic() - started - build_seconds:.1f} s")
    return venv / "bin", {**env, "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"}


def test_the_packages_come_from_the_wheel_with_their_data(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    probe = _run([str(bin_dir / "python"), "-c", """if True:
        from importlib import resources
        import extranet, fixtures, journeys, monitor, pages
        from fixtures.engines import webkit_nodelay
        from monitor import config, doctor
        for module in (extranet, fixtures, journeys, monitor, pages):
            print(module.__file__)
        print(webkit_nodelay.SOURCE.is_file(), doctor.DOCTOR_TEST.is_file(), config.installed(), config.example_toml()[:1])
        print((resources.files("extranet") / "templates" / "accueil.html").is_file())
    """], tmp_path, env, 60)
    assert probe.returncode == 0, probe.stderr
    *files, resources_found, template = probe.stdout.splitlines()
    venv = str(bin_dir.parent)
    assert all(f.startswith(venv) for f in files), files  # not the checkout's (its editable finder stays out)
    assert resources_found == "True True True #" and template == "True"


def test_the_console_script_dispatches(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    usage = _run([str(bin_dir / "aparts-sentinel"), "--help"], tmp_path, env, 60)
    assert usage.returncode == 0 and all(c in usage.stdout for c in ("monitor", "doctor", "extranet")), usage
    bad = _run([str(bin_dir / "aparts-sentinel"), "extranet", "--port", "nope"], tmp_path, env, 60)
    assert bad.returncode == 2 and "port" in bad.stderr, bad
    doctor = _run([str(bin_dir / "aparts-sentinel"), "doctor", "--help"], tmp_path, env, 60)
    assert doctor.returncode == 0 and "--target-config" in doctor.stdout, doctor


def test_a_qa_teams_journey_runs_from_an_empty_folder(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    (tmp_path / "test_notre_parcours.py").write_text(QA_JOURNEY)
    run = _run([str(bin_dir / "python"), "-m", "pytest", "test_notre_parcours.py", "--browser", "chromium", "-p",
                "no:cacheprovider", "-q"], tmp_path, env, 300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout


def test_monitor_once_from_an_empty_folder(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    (tmp_path / "monitor.toml").write_text(MONITOR_TOML)
    once = _run([str(bin_dir / "aparts-sentinel"), "monitor", "--config", "monitor.toml", "once", "--json", "cycle.json"],
                tmp_path, env, 300)
    assert once.returncode == 0, once.stdout[-3000:] + once.stderr[-3000:]
    assert (tmp_path / "data" / "monitor.db").is_file()  # the work directory is where the monitor started
    runs = json.loads((tmp_path / "cycle.json").read_text())["runs"]
    assert [(r["journey"], r["browser"], r["final_outcome"]) for r in runs] == [("N1", "chromium", "success")], runs
    assert not list(bin_dir.parent.rglob(".pytest_cache"))  # nothing written beside the installed packages
