"""``python -m monitor calibrate``: does the monitor measure a failure rate we *know*?

The reference extranet can fail a step with a known probability per engine (fault profile
``engine_failure_rates`` + ``failure_endpoint`` + ``seed``, see ``extranet/faults.py``). This
module runs real monitor cycles against such an extranet and checks the monitor's own
statistics against the truth:

* per engine: the true success rate (1 − injected failure rate), the measured first-attempt
  success rate, its 95 % Wilson interval (``monitor.stats.rates``), and whether the truth lies
  inside; then the verdict on the difference, in the report's sentence style;
* under EQUAL rates, how often a significant difference is claimed, against the nominal
  level α: a **real** figure (the whole real calibration repeated K times under equal rates:
  slow, so K is small) and a **simulation** figure (Bernoulli draws with the same n and rate:
  fast, thousands of repetitions). Both are printed, labelled; they are not the same thing.

Why this journey and step: each calibration trial must be exactly one Bernoulli draw per
engine per cycle, so the measured rate estimates the injected one and nothing else. The
cheapest journey test that makes exactly one request to one faultable step is N1's first
test (``test_avis_d_incident_signale_s_il_est_affiche``: one ``GET /``, read-only), so the
failure step is ``home``. A drawn failure answers HTTP 500; the journey then fails on the
missing « Extranet activité partielle » heading after Playwright's 5 s wait, so failing runs
cost ~5 s more than passing ones. One cycle runs both engines in one pytest child (one
browser start each), against one extranet + Mailpit started here once for the whole
calibration (so one seeded RNG sequence spans all cycles: a fresh extranet per cycle with the
same seed would repeat the same first draw every cycle).

The cycles go through the monitor's own runner and store (``CycleRunner``), with retries off
(rates count first attempts anyway), into a private database unless ``--db`` is given, so a
calibration never mixes synthetic failures into an operator's history.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import random
import secrets
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from monitor.config import Config
from monitor.cycle.runner import CycleRunner, StopRequest
from monitor.stats.rates import Rate, compare, pct, verdict, wilson_interval
from monitor.store.results_db import Store

JOURNEY = "N1"
PYTEST_K = "signale_s_il_est_affiche"  # N1's read-only test: exactly one GET /
FAILURE_ENDPOINT = "home"


class CalibrationError(RuntimeError):
    """The calibration could not run (services, bad arguments); the message says why."""


# --- pure statistics (unit-tested with known values) ------------------------------------
def parse_rates(text: str, browsers: Sequence[str] | None = None) -> dict[str, float]:
    """'chromium=0.3,firefox=0.02' → {'chromium': 0.3, 'firefox': 0.02}, checked."""
    rates: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            rate = float(value) if sep else float("nan")
        except ValueError:
            rate = float("nan")
        if not 0.0 <= rate <= 1.0:
            raise CalibrationError(f"--rates: {part!r} is not ENGINE=PROBABILITY with a probability in [0, 1]")
        if name in rates:
            raise CalibrationError(f"--rates: {name} is given twice")
        rates[name] = rate
    if browsers is not None:
        missing = [b for b in browsers if b not in rates]
        extra = [b for b in rates if b not in browsers]
        if missing or extra:
            raise CalibrationError(f"--rates must name exactly the browsers of the run ({', '.join(browsers)}); "
                                   f"missing: {', '.join(missing) or '-'}; not in the run: {', '.join(extra) or '-'}")
    if len(rates) < 2:
        raise CalibrationError("--rates needs at least two engines to compare, e.g. chromium=0.3,firefox=0.02")
    return rates


@dataclass
class EngineCheck:
    """One engine's line of the calibration table."""

    rate: Rate
    failure_rate: float  # injected

    @property
    def true_success(self) -> float:
        return 1.0 - self.failure_rate

    @property
    def inside(self) -> bool | None:
        if not self.rate.trials:
            return None
        lo, hi = self.rate.interval
        return lo <= self.true_success <= hi


def rates_from_outcomes(outcomes: Mapping[str, Iterable[str]]) -> list[Rate]:
    """First-attempt outcomes per browser → ``Rate`` objects, counted as the report counts them."""
    out = []
    for browser, firsts in outcomes.items():
        r = Rate(browser)
        for o in firsts:
            r.add(o)
        out.append(r)
    return out


def claims_difference(rates: list[Rate], alpha: float) -> bool:
    """True when the monitor would call the browsers significantly different (any comparison)."""
    return any(c.significant for c in compare(rates, alpha))


def truth_differs(failure_rates: dict[str, float]) -> bool:
    return len(set(failure_rates.values())) > 1


def simulate_claims(n: dict[str, int], failure_rates: dict[str, float], repetitions: int, alpha: float,
                    rng: random.Random) -> int:
    """SIMULATION: how many of ``repetitions`` Bernoulli replays (n trials per engine, each a
    failure with the engine's probability) make the monitor claim a significant difference."""
    claims = 0
    for _ in range(repetitions):
        rates = []
        for browser, p in failure_rates.items():
            r = Rate(browser)
            fails = sum(rng.random() < p for _ in range(n.get(browser, 0)))
            r.successes, r.failures = n.get(browser, 0) - fails, fails
            rates.append(r)
        claims += claims_difference(rates, alpha)
    return claims


def proportion_text(k: int, n: int) -> str:
    """'2.1 % (42/2000) [1.6–2.8]': a frequency with its 95 % Wilson interval, one decimal."""
    if n == 0:
        return "– (0 repetitions)"
    lo, hi = wilson_interval(k, n)
    return f"{100 * k / n:.1f} % ({k}/{n}) [{100 * lo:.1f}–{100 * hi:.1f}]"


def table(checks: list[EngineCheck]) -> list[str]:
    head = f"  {'engine':<9} {'injected failure':>16} {'true success':>12} {'measured success':>18} " \
           f"{'95 % Wilson':>12}  truth inside"
    lines = [head]
    for c in checks:
        r = c.rate
        measured = f"{pct(r.ratio)} % ({r.successes}/{r.trials})" if r.trials else "no runs"
        lo, hi = r.interval
        interval = f"[{pct(lo)}–{pct(hi)}]" if r.trials else "–"
        inside = {True: "yes", False: "NO", None: "–"}[c.inside]
        excl = f"  (left out: {r.excluded_text()})" if r.excluded_text() else ""
        lines.append(f"  {r.label:<9} {c.failure_rate:>16.3g} {100 * c.true_success:>10.1f} % "
                     f"{measured:>18} {interval:>12}  {inside}{excl}")
    return lines


def verdict_lines(checks: list[EngineCheck], alpha: float) -> list[str]:
    rates = [c.rate for c in checks]
    said = verdict(rates, alpha)
    lines = ["  Verdict: " + said[0]] + ["  " + line for line in said[1:]]
    claimed = claims_difference(rates, alpha)
    truth = {c.rate.label: c.failure_rate for c in checks}
    if truth_differs(truth):
        lines.append("  Truth: the injected rates differ, so " + (
            "the significant verdict is right." if claimed else
            "a non-significant verdict is a miss (too few runs for this difference: see the power line)."))
    else:
        lines.append("  Truth: the injected rates are equal, so " + (
            "the significant verdict is a FALSE ALARM (expected in about α of calibrations)." if claimed else
            "the non-significant verdict is right."))
    return lines


# --- real runs ----------------------------------------------------------------------------
@dataclass
class ReferenceTarget:
    """A Mailpit + reference extranet started for the calibration, and the target file pointing at it."""

    base_url: str
    mailpit_url: str
    target_config: Path
    set_profile: Callable[[dict], object]
    stack: ExitStack = field(repr=False, default_factory=ExitStack)

    def close(self) -> None:
        self.stack.close()


def write_target_config(path: Path, *, base_url: str, mailpit_url: str, operator_key: str) -> Path:
    """A --target-config file for the child: the operator key stays out of argv and child logs."""
    path.write_text("[target]\n"
                    f'base_url = "{base_url}"\nmailpit_url = "{mailpit_url}"\n'
                    f'reference = true\noperator_key = "{operator_key}"\n', encoding="utf-8")
    path.chmod(0o600)
    return path


def start_reference_target(workdir: Path) -> ReferenceTarget:
    from fixtures.services.processes import reference_stack
    from fixtures.target.operator import OperatorClient
    key = secrets.token_urlsafe(24)
    stack = ExitStack()
    try:
        mailpit, extranet = stack.enter_context(reference_stack(workdir, operator_key=key))
        operator = OperatorClient(extranet.base_url, key)
        stack.callback(operator.close)
    except BaseException:
        stack.close()
        raise
    toml = write_target_config(workdir / "target.toml", base_url=extranet.base_url, mailpit_url=mailpit.http_url,
                               operator_key=key)
    return ReferenceTarget(extranet.base_url, mailpit.http_url, toml, operator.set_faults, stack)


def calibration_config(cfg: Config, target_config: Path, workdir: Path, db: Path | None) -> Config:
    """The monitor's configuration, narrowed to the calibration journey, no retries, private store.

    No trace and no screenshot: the calibration reads first attempts' outcomes only, and the failures
    it plants on purpose would keep both (a trace is about a tenth of a journey's CPU).
    """
    return dataclasses.replace(
        cfg, journeys=(JOURNEY,), pytest_k=PYTEST_K, retries=0,
        extra_args=tuple(cfg.extra_args) + ("--target-config", str(target_config), "--tracing=off", "--screenshot=off"),
        db_path=db or workdir / "calibration.db", artifacts_dir=workdir / "artifacts")


@dataclass
class RealRun:
    checks: list[EngineCheck]
    cycles: int
    seconds: float

    @property
    def seconds_per_cycle(self) -> float:
        return self.seconds / self.cycles if self.cycles else 0.0


def run_real(cfg: Config, store: Store, target: ReferenceTarget, failure_rates: dict[str, float], *, cycles: int,
             seed: int, stop: StopRequest, progress: Callable[[str], None] = lambda _s: None) -> RealRun:
    """``cycles`` real monitor cycles under the profile; first-attempt outcomes per engine."""
    target.set_profile({"engine_failure_rates": failure_rates, "failure_endpoint": FAILURE_ENDPOINT, "seed": seed})
    runner = CycleRunner(cfg, store, stop)
    firsts: dict[str, list[str]] = {b: [] for b in cfg.browsers}
    t0 = time.monotonic()
    done = 0
    for i in range(cycles):
        if stop.is_set():
            break
        report = runner.run_cycle(mode="calibrate")
        done += 1
        for run in report.runs:
            if run.journey == JOURNEY and run.browser in firsts:
                firsts[run.browser].append(run.first)
        progress(f"cycle {i + 1}/{cycles}: " + ", ".join(f"{r.browser}={r.first}" for r in report.runs))
    seconds = time.monotonic() - t0
    checks = [EngineCheck(r, failure_rates.get(r.label, 0.0)) for r in rates_from_outcomes(firsts)]
    return RealRun(checks, done, seconds)


def _prefixed(progress: Callable[[str], None], prefix: str, line: str) -> None:
    progress(prefix + line)


def calibrate(cfg: Config, *, failure_rates: dict[str, float], cycles: int, seed: int, equal_rate: float,
              real_repeats: int, simulations: int, alpha: float, db: Path | None = None, sim_seed: int = 1,
              out: Callable[[str], None] = print, progress: Callable[[str], None] = lambda _s: None,
              stop: StopRequest | None = None) -> dict:
    """Run the whole calibration and print it; returns the figures (for tests)."""
    stop = stop or StopRequest()
    browsers = list(cfg.browsers)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness poll is noise here
    with tempfile.TemporaryDirectory(prefix="monitor-calibrate-") as tmp:
        workdir = Path(tmp)
        target = start_reference_target(workdir)
        try:
            ccfg = calibration_config(cfg, target.target_config, workdir, db)
            with Store.open_writer(ccfg.db_path, busy_timeout=ccfg.busy_timeout) as store:
                main = run_real(ccfg, store, target, failure_rates, cycles=cycles, seed=seed, stop=stop,
                                progress=progress)
                equal = {b: equal_rate for b in browsers}
                real_claims, real_done, real_seconds = 0, 0, 0.0
                for k in range(real_repeats):
                    if stop.is_set():
                        break
                    rep = run_real(ccfg, store, target, equal, cycles=cycles, seed=seed + 1 + k, stop=stop,
                                   progress=functools.partial(_prefixed, progress, f"equal-rates repetition {k + 1}: "))
                    real_claims += claims_difference([c.rate for c in rep.checks], alpha)
                    real_done += 1
                    real_seconds += rep.seconds
        finally:
            target.close()
    n = {c.rate.label: c.rate.trials for c in main.checks}
    rng = random.Random(sim_seed)
    sim_claims = simulate_claims(n, equal, simulations, alpha, rng)
    power_claims = simulate_claims(n, failure_rates, simulations, alpha, rng) if truth_differs(failure_rates) else None

    rates_txt = ", ".join(f"{b} {failure_rates[b]:g}" for b in browsers)
    out(f"Calibration of the monitor's statistics (α = {alpha:g}, 95 % Wilson intervals, Fisher's exact test)")
    out(f"  fault profile: engine_failure_rates {rates_txt}; failure_endpoint \"{FAILURE_ENDPOINT}\"; seed {seed}")
    out(f"  journey {JOURNEY} (-k {PYTEST_K}: one GET / per engine per cycle = one trial), retries off, "
        f"first attempts counted as in the report")
    out(f"  cost: {main.cycles} cycles ({', '.join(browsers)} in one child each) in {main.seconds:.0f} s = "
        f"{main.seconds_per_cycle:.1f} s per cycle")
    out("")
    out("\n".join(table(main.checks)))
    out("\n".join(verdict_lines(main.checks, alpha)))
    out("")
    nn = ", ".join(f"{b} {n[b]}" for b in browsers)
    out(f"False alarms under EQUAL rates (every engine fails with probability {equal_rate:g}), nominal α = "
        f"{100 * alpha:g} %:")
    if real_done:
        out(f"  REAL (the calibration repeated {real_done}× under equal rates, {cycles} cycles each, "
            f"{real_seconds:.0f} s): significant difference claimed in {proportion_text(real_claims, real_done)}"
            + ("  (K this small says little: raise --real-repeats if time allows)" if real_done < 20 else ""))
    else:
        out("  REAL: not run (--real-repeats 0)")
    out(f"  SIMULATION (Bernoulli draws, no browser; n per engine as measured above: {nn}; {simulations} "
        f"repetitions): significant difference claimed in {proportion_text(sim_claims, simulations)}"
        f" (Fisher's exact test is conservative: expected at or below α)")
    if power_claims is not None:
        out(f"  SIMULATION, power at the injected rates ({rates_txt}, same n): difference detected in "
            f"{proportion_text(power_claims, simulations)}")
    return {"checks": main.checks, "seconds_per_cycle": main.seconds_per_cycle, "n": n,
            "real_claims": real_claims, "real_repeats": real_done,
            "sim_claims": sim_claims, "simulations": simulations, "power_claims": power_claims}

