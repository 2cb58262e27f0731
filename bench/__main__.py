"""Every benchmark of the project, one after the other: ``make bench`` (``python -m bench``).

Runs each module of ``MODULES`` that exists: one with ``run() -> list[Row]`` has its rows
printed as a Markdown table, one with only ``main()`` prints its own. A module that fails is
reported and the others still run; the exit status is then 1.

Options: ``--quick`` (passed to the modules whose ``run`` takes it: shorter cases) and the
names of the modules to run (``scan``, ``loans``, ``labels``, ``documents``, ``roundtrip``,
``browser``, ``backup``, ``reports``; all by default).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import sys
import time
import traceback

from bench.common import load_average, print_table

MODULES = ("scan", "loans", "labels", "documents", "roundtrip", "browser", "backup", "reports")


def run_module(name: str, quick: bool) -> bool:
    """Import ``bench.<name>`` and run it; False when it is missing or failed."""
    module_name = f"bench.{name}"
    if importlib.util.find_spec(module_name) is None:
        print(f"_{module_name}: not present, skipped._\n", flush=True)
        return True
    print(f"## {module_name}\n", flush=True)
    started = time.perf_counter()
    saved_argv = sys.argv
    try:
        module = importlib.import_module(module_name)
        run = getattr(module, "run", None)
        if callable(run):
            kwargs = {"quick": True} if quick and "quick" in inspect.signature(run).parameters \
                else {}
            print_table(run(**kwargs))
        elif callable(getattr(module, "main", None)):
            sys.argv = [f"python -m {module_name}"]  # their own options, if any, stay default
            module.main()
        else:
            print(f"{module_name} has neither run() nor main().")
            return False
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - one failure must not hide the rest
        if isinstance(exc, SystemExit) and exc.code in (None, 0):
            return True
        traceback.print_exc()
        print(f"\n**{module_name} failed: {type(exc).__name__}: {exc}**")
        return False
    finally:
        sys.argv = saved_argv
        sys.stdout.flush()
        print(f"\n_{module_name}: {time.perf_counter() - started:.0f} s, load average now "
              f"{load_average()}._\n", flush=True)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter cases where supported")
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"among {', '.join(MODULES)} (default: all)")
    args = parser.parse_args()
    if unknown := set(args.modules) - set(MODULES):
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    print(f"# Benchmarks (load average at start {load_average()})\n", flush=True)
    results = [run_module(name, args.quick) for name in args.modules or MODULES]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
