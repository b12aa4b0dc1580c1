"""The ``sci-hierarchy`` command (also ``python -m sci_hierarchy``).

Exit codes (docs/model.md): 0 success; 1 a claim failed, a witness is invalid,
or a candidate algorithm failed so that no verdict could be given; 2 usage or
input error.  Errors are one line on stderr; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from typing import Any, Sequence

from sci_hierarchy.errors import InvalidArgument, MalformedWitness, SciHierarchyError, TimeUp

EXIT_OK, EXIT_CLAIM, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(EXIT_USAGE, f"sci-hierarchy: error: {message} (see --help)\n")


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return v


def _at_least_one(text: str) -> int:
    v = _positive_int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return v


def _integer(text: str) -> int:
    """Any integer: the theorem checks the range (and says what it is) before anything runs."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < v < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number of seconds")
    return v


def _version() -> str:
    from sci_hierarchy import __version__

    return __version__


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser.  Given ``argv``, only the command it names gets its arguments
    (from a sub-package for classify, audit, sweep): the others are listed, their arguments not
    set up and their modules not imported (argparse's cost of ``list`` and ``--help``)."""
    wanted = next((a for a in argv if not a.startswith("-")), "") if argv is not None else None
    p = _Parser(prog="sci-hierarchy",
                description="Executable barriers of deep learning (Colbrook, Antun & Hansen, PNAS 2022): "
                            "demonstrations with exactly re-checkable witnesses, and reproductions.",
                epilog="Exit codes: 0 success; 1 a claim failed, a witness is invalid or no verdict; "
                       "2 usage or input error.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("list", help="registered theorems and built-in algorithms")

    d = sub.add_parser("demo", help="run a demonstration and print its verdict",
                       description="Run a demonstration of a registered theorem against an algorithm and "
                                   "print the verdict; --json writes the witness that `verify` re-checks.",
                       epilog="Exit codes: 0 a verdict (defeated or succeeded); 1 no verdict (the algorithm "
                              "failed to run, or a witness could not be written as claimed); 2 usage error. "
                              "`sci-hierarchy list` shows each theorem's parts, options and default algorithms.")
    if wanted is None or wanted == "demo":  # the others are listed, their arguments not set up
        d.add_argument("theorem", help="a registered theorem (see `list`)")
        d.add_argument("--part", help="which part of the theorem (default: its first part; see `list`)")
        d.add_argument("--problem", type=str.lower, choices=("p1", "p2", "p3"),
                       help="optimisation problem, p1/p2/p3 or P1/P2/P3 (default p3; theorem1)")
        d.add_argument("--K", type=_integer, help="number of digits, 3 <= K <= 1000 (default 3; theorem1, firenet part hard-class)")
        d.add_argument("--L", type=_integer, help="data budget of part (c), L >= 1 (default 1; theorem1)")
        d.add_argument("--M", type=_integer, help="level budget of part (b), 0 <= M <= 4096 (default 40; theorem1)")
        d.add_argument("--algorithm", help="built-in name, module:function or path/file.py:function (default: the "
                                           "part's built-in, see `list`); built-ins run in-process, files and "
                                           "modules in a separate process. A function whose rng has no default "
                                           "is randomised and runs with 20 seeds unless --seeds says otherwise")
        d.add_argument("--seeds", type=_at_least_one,
                       help="run the algorithm as randomised with this many design seeds (>= 1)")
        d.add_argument("--seed", type=_positive_int,
                       help="master seed: makes randomised runs reproducible, and their seeds public (default: a "
                            "secret drawn for each demonstration, disclosed in the witness after the runs)")
        d.add_argument("--json", metavar="FILE", help="write the witness JSON here")
        iso = d.add_mutually_exclusive_group()
        iso.add_argument("--isolate", dest="isolate", action="store_true", default=None,
                         help="run the algorithm in a separate process (default for module:function)")
        iso.add_argument("--in-process", dest="isolate", action="store_false",
                         help="run the algorithm in this process: trusted code only (docs/security.md)")
        d.add_argument("--time-limit", type=_seconds, metavar="SECONDS",
                       help="wall-time limit per run of an isolated algorithm (default 60)")
        d.add_argument("--jobs", type=_at_least_one, metavar="N",
                       help="isolated runs at once, each in its own process, for the seeds of a randomised "
                            "algorithm (default: the number of cores); the witness does not depend on it")
        d.add_argument("--progress", action="store_true",
                       help="report progress even when stderr is not a terminal (one line per step)")
        d.add_argument("--verbose", "-v", action="store_true",
                       help="also list every statement the witness's checker re-verified (notation: docs/glossary.md)")
        d.add_argument("--max-level", type=_at_least_one, metavar="N",
                       help="the reader's level budget: a read deeper than N ends the run (default 20000)")
        d.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    r = sub.add_parser("reproduce", help="regenerate the paper's experiments (CSV + JSON + PNG)",
                       description="Regenerate an experiment of the paper: table1 (LISTA and FIRENET on Theorem "
                                   "1's class; full run about an hour on 2 cores), convergence (FIRENET on a "
                                   "1024^2 image, about 6 minutes), stability (the trained network most accurate on near-kernel "
                                   "detail vs FIRENET at a converged setting, under worst-case perturbations; about an hour "
                                   "at 64^2, 65 minutes measured), tradeoff (accuracy against stability over a family of "
                                   "U-Nets and FIRENET). --quick runs small versions: about 15 s (table1), 1.5 minutes "
                                   "(convergence), 40 s (stability) and 30 s (tradeoff) on a 2-core machine. "
                                   "docs/reproduce.md says what each reproduces and what it does not.",
                       epilog="Exit codes: 0 the run supports the paper's claim, or does not evaluate it; "
                              "1 the run does NOT reproduce the claim (the report says why; convergence "
                              "says so even with --quick); 2 usage error.")
    if wanted is None or wanted == "reproduce":
        r.add_argument("experiment", choices=("table1", "convergence", "stability", "tradeoff"))
        r.add_argument("--out", metavar="DIR", help="output folder (default: reproduce-out/EXPERIMENT)")
        r.add_argument("--quick", action="store_true",
                       help="small version (what the tests run): 15 s to 1.5 minutes, see above")
        r.add_argument("--seed", type=_positive_int, default=0, help="master seed (default 0)")
        r.add_argument("--progress", action="store_true",
                       help="report progress even when stderr is not a terminal (one line per step)")
        r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    # classify, audit and sweep live in their own sub-packages; their arguments are set up (and
    # their modules imported) only when that command is the one asked for, so `list` and `--help`
    # import none of them
    def lazy(name: str, module: str, **kw: Any) -> None:
        sp = sub.add_parser(name, **kw)
        if wanted is None or wanted == name:
            mod = importlib.import_module(module)
            if "description" not in kw and mod.__doc__:
                sp.description = mod.__doc__
                sp.formatter_class = argparse.RawDescriptionHelpFormatter
            mod.add_arguments(sp)

    lazy("classify", "sci_hierarchy.explore.cli",
         help="classification record of a problem (built-in or FILE.py:name)",
         description="Which accuracies 10^-K can an algorithm reach on a problem? Certified lower bounds "
                     "from consistent pairs, towers measured on samples (docs/classification.md).",
         epilog="Exit codes: 0 a record was produced (or --check-witness re-derived the witness); 1 an invalid "
                "or mismatching witness; 2 usage error.")
    lazy("audit", "sci_hierarchy.stability.cli",
         help="stability audit of a model (worst-case, sparse, structural; all measured)",
         epilog="Exit codes: 0 done; 1 a ratio exceeds the model's known Lipschitz constant; 2 usage error.")

    v = sub.add_parser("verify", help="re-check a witness file from its data alone",
                       description="Re-check a witness from its own data, in exact arithmetic "
                                   "(docs/security.md lists what is checked).",
                       epilog="Exit codes: 0 valid; 1 invalid (a claim is not proved by the data); "
                              "2 malformed or unreadable file.")
    v.add_argument("file", help="a witness JSON file written by `demo --json`, or a sweep folder (all its witnesses)")
    if wanted is None or wanted == "verify":  # its limits' defaults come from the witness module
        from sci_hierarchy.adversary.witness import Limits

        lim = Limits()
        v.add_argument("--time-limit", type=_seconds, default=60.0, metavar="SECONDS",
                       help="stop checking after this many seconds: not verified, exit 1 (default 60)")
        v.add_argument("--max-bytes", type=_at_least_one, default=lim.max_bytes, metavar="N",
                       help=f"refuse a larger file before reading it (default {lim.max_bytes})")
        v.add_argument("--max-nodes", type=_at_least_one, default=lim.max_nodes, metavar="N",
                       help=f"refuse more JSON objects and arrays before parsing (default {lim.max_nodes})")
        v.add_argument("--max-level", type=_at_least_one, default=lim.max_level, metavar="N",
                       help=f"refuse reads deeper than level N (default {lim.max_level})")
        v.add_argument("--max-gap-exponent", type=_at_least_one, default=lim.max_gap_exponent, metavar="N",
                       help=f"refuse instances with gap 4^-n for n > N (default {lim.max_gap_exponent})")
        v.add_argument("--max-runs", type=_at_least_one, default=lim.max_runs, metavar="N",
                       help=f"refuse transcripts with more runs (default {lim.max_runs})")
    v.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    lazy("sweep", "sci_hierarchy.sweeps.cli", help="run a command over a grid of arguments, locally or on Dask",
         description="Run a spec's tasks; resumable (docs/sweeps.md).")
    return p


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _u(value: object, limit: int = 200) -> str:
    """An untrusted string (from a witness or an algorithm), made one safe printable line."""
    from sci_hierarchy.untrusted import safe_text

    return safe_text(value, limit)


_CLI_OPTIONS = ("part", "problem", "K", "L", "M", "algorithm", "seeds", "seed")


def cmd_list() -> int:
    from sci_hierarchy.registry import algorithm_cards as builtin_algorithms  # data: imports no theorem
    from sci_hierarchy.registry import theorem_cards as iter_theorems

    print("Theorems (sci-hierarchy demo NAME):")
    for t in iter_theorems():
        print(f"  {t.name:<12} {t.title}")
        cli_opts = [o for o in t.options if o in _CLI_OPTIONS]
        defaults = ", ".join(f"{p}: {t.default_for(p)}" for p in t.parts)
        print(f"  {'':<12} parts: {', '.join(t.parts)}; default algorithms: {defaults};"
              f" options: {', '.join('--' + o for o in cli_opts)}")
    print("\nBuilt-in algorithms (--algorithm NAME), by the theorems they apply to:")
    for b in builtin_algorithms():
        tag = " [randomised]" if b.randomised else ""
        print(f"  {b.task:<9} {b.name:<20} {b.summary}{tag}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from sci_hierarchy.registry import get_theorem
    from sci_hierarchy.adversary.pairs import NoVerdict

    thm = get_theorem(args.theorem)
    opts: dict[str, Any] = {}
    for key in _CLI_OPTIONS:
        val = getattr(args, key)
        if val is not None:
            opts[key] = val
    # every usage error before anything is printed; name only options the command line has
    unknown = [k for k in opts if k not in thm.options]
    if unknown:
        takes = ", ".join("--" + o for o in thm.options if o in _CLI_OPTIONS) or "no options"
        flags = ", ".join("--" + k for k in unknown)
        raise InvalidArgument(f"{flags} {'does' if len(unknown) == 1 else 'do'} not apply to "
                              f"{thm.name!r}; it takes {takes}")
    thm.check(**opts)  # values, and options that apply to one part only (e.g. firenet --K)
    spec = opts.get("algorithm")
    if spec is not None and ":" not in spec and "algorithm" in thm.options:
        from sci_hierarchy.algorithms.running import load_algorithm

        load_algorithm(spec, thm.task)  # a built-in name: refuse an unknown one now (imports nothing)
    if args.max_level is not None:
        if "budget" not in thm.options:
            raise InvalidArgument(f"--max-level does not apply to {thm.name!r} (it takes no reader budget)")
        from sci_hierarchy.oracles.core import Budget

        opts["budget"] = Budget(max_level=args.max_level)
    if args.json:
        _check_writable(args.json)
    hint = "the default; choose with --algorithm" if "algorithm" in thm.options else "fixed by the theorem"
    shown = opts.get("algorithm") or f"{thm.default_for(opts.get('part'))} ({hint})"
    isolate = args.isolate if args.isolate is not None else (spec is not None and ":" in spec)
    for flag, given in (("--time-limit", args.time_limit), ("--jobs", args.jobs)):
        if given is not None and not isolate:
            raise InvalidArgument(f"{flag} applies to isolated runs; "
                                  + (f"drop --in-process or {flag}" if args.isolate is False else "add --isolate"))
    if isolate and (spec is not None or args.isolate) and "algorithm" in thm.options:
        from sci_hierarchy.algorithms.sandbox import DEFAULT_TIME_LIMIT, IsolatedAlgorithm

        opts["algorithm"] = IsolatedAlgorithm(
            spec or thm.default_for(opts.get("part")), task_family=thm.task,
            time_limit=args.time_limit or DEFAULT_TIME_LIMIT, jobs=args.jobs or os.cpu_count() or 1,
            preload=(getattr(thm.demonstrate, "__module__", None) or "sci_hierarchy",))
        shown = f"{shown} [isolated process]"
    print(f"demo {thm.name}: {thm.title}\n  algorithm: {shown}", flush=True)
    t0 = time.monotonic()
    try:
        from sci_hierarchy.display import ProgressBar

        with ProgressBar(force=args.progress) as bar:
            if "progress" in thm.options:
                opts["progress"] = bar
            w = thm.run(**opts)
    except NoVerdict as exc:
        detail = getattr(exc.run, "detail", None)
        if args.debug and detail:  # the candidate's traceback: each line escaped (it is untrusted text)
            # only LF ends a line, and each is indented: no candidate text starts a line of demo's output
            _say("\n".join("  | " + _u(line, 2000) for line in detail.rstrip().split("\n")[-400:]))
        _say(f"no verdict: {_u(exc.reason, 2000)}" + ("" if not args.json else f" (no witness written to {args.json})")
             + ("" if args.debug or not detail else " (--debug shows the traceback)"))
        return EXIT_CLAIM
    dt = time.monotonic() - t0
    if args.json:  # before printing: a closed pipe (`| head`) must not lose the witness
        try:
            w.save(args.json)
        except OSError as exc:
            _say(f"sci-hierarchy: error: --json={args.json!r}: cannot write the witness "
                 f"({exc.strerror or exc}); the verdict was {w.verdict}")
            return EXIT_USAGE
    from sci_hierarchy.display import verdict_lines

    print("\n".join(verdict_lines(w.data, seconds=dt, json_path=args.json, verbose=args.verbose)))
    return EXIT_OK


def _check_writable(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InvalidArgument(f"--json={path!r}: the folder {folder!r} does not exist; create it first")
    if os.path.isdir(path):
        raise InvalidArgument(f"--json={path!r} is a folder; give a file name")


def cmd_reproduce(args: argparse.Namespace) -> int:
    from sci_hierarchy.reproduce import run

    _require_extras(args.experiment)
    out = args.out or os.path.join("reproduce-out", args.experiment)
    from sci_hierarchy.display import ProgressBar

    with ProgressBar(force=args.progress) as bar:
        summary = run(args.experiment, out=out, quick=args.quick, seed=args.seed, progress=bar)
    print(summary["report"])
    print("wrote: " + ", ".join(str(p) for p in summary["paths"].values()))
    if summary["claim_holds"] is False:
        _say(f"the paper's claim is NOT reproduced here: {summary['claim']}")
        return EXIT_CLAIM
    return EXIT_OK


#: what each experiment imports beyond the core dependencies: (module, extra)
_NEEDS = {"table1": (("matplotlib", "plot"),),
          "convergence": (("matplotlib", "plot"),),
          "stability": (("torch", "learn"), ("matplotlib", "plot")),
          "tradeoff": (("torch", "learn"), ("sklearn", "learn"), ("matplotlib", "plot"))}


def _require_extras(experiment: str) -> None:
    """Say which extra is missing before any work starts (not after minutes of computing)."""
    import importlib.util

    missing = [extra for mod, extra in _NEEDS.get(experiment, ()) if importlib.util.find_spec(mod) is None]
    if missing:
        raise InvalidArgument(f"reproduce {experiment} needs the {' and '.join(missing)} "
                              f"extra{'s' if len(missing) > 1 else ''}: pip install "
                              f"'sci_hierarchy[{','.join(missing)}]' (or '.[all]' from a checkout)")


def cmd_verify(args: argparse.Namespace) -> int:
    import signal

    from sci_hierarchy.adversary.witness import Limits, limits, load_witness

    if os.path.isdir(args.file):  # a sweep folder: every witness in it (docs/sweeps.md)
        from sci_hierarchy.sweeps.cli import verify_sweep

        return verify_sweep(args.file)

    lim = Limits(max_bytes=args.max_bytes, max_nodes=args.max_nodes, max_level=args.max_level,
                 max_gap_exponent=args.max_gap_exponent, max_runs=args.max_runs)

    def _alarm(signum: int, frame: Any) -> None:
        raise TimeUp()

    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, args.time_limit)
    try:
        with limits(lim):
            try:
                w = load_witness(args.file)
            except MalformedWitness as exc:
                _say(f"unreadable or malformed witness: {_u(str(exc), 2000)}")
                return EXIT_USAGE
            res = w.check()
    except TimeUp:
        _say(f"not verified: the check did not finish within --time-limit {args.time_limit:g} s "
             "(raise it to check a witness this large)")
        return EXIT_CLAIM
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    if res.malformed:
        _say(f"malformed witness: {_u(res.reason.removeprefix('malformed: '), 2000)}")
        return EXIT_USAGE
    if not res.valid:
        _say(f"INVALID witness: {_u(res.reason, 2000)}")
        return EXIT_CLAIM
    from sci_hierarchy.display import verify_lines

    print("\n".join(verify_lines(w.data, res.checked)))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "list":
            return cmd_list()
        if args.command == "demo":
            return cmd_demo(args)
        if args.command == "verify":
            return cmd_verify(args)
        if args.command == "classify":
            from sci_hierarchy.explore.cli import run as run_classify

            return run_classify(args)
        if args.command == "reproduce":
            return cmd_reproduce(args)
        if args.command == "sweep":
            from sci_hierarchy.sweeps.cli import run as cmd_sweep

            return cmd_sweep(args)
        if args.command == "audit":
            from sci_hierarchy.stability.cli import run as run_audit

            return run_audit(args)
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `sci-hierarchy demo ... | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except InvalidArgument as exc:
        if args.debug:
            raise
        _say(f"sci-hierarchy: error: {_u(str(exc), 2000)}")
        return EXIT_USAGE
    except SciHierarchyError as exc:
        if args.debug:
            raise
        _say(f"sci-hierarchy: {type(exc).__name__}: {_u(str(exc), 2000)}")
        return EXIT_CLAIM
    except Exception as exc:  # never a traceback by default
        if args.debug:
            raise
        _say(f"sci-hierarchy: internal error: {type(exc).__name__}: {_u(str(exc), 2000)} (rerun with --debug)")
        return EXIT_CLAIM
    return EXIT_USAGE  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
