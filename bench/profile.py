"""Where a page's time goes: `uv run python bench/profile.py member_home set_board --requests 200`.

Profiles pages of the bench (bench/scenario.py, by name; `layout_floor` and `floor` too) in this process with
pyinstrument, logged in as the bench's member with a real session, on the bench database (run `make bench` once to
seed it) and the local Redis, with DEBUG off, as gunicorn serves them. Each page is requested once to warm the
caches, then `--requests` times under the profiler. Prints the call tree (`--show-all` for the library frames too),
and with `--html DIR` writes one HTML profile per page there. The pages named must be in the bench's list.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_DATABASE, environment  # noqa: E402 (the bench's own environment first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="+", help="page names (see bench/scenario.py), or layout_floor, floor")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--html", help="a directory for one HTML profile per page")
    parser.add_argument("--show-all", action="store_true", help="library frames too")
    args = parser.parse_args()

    os.environ.update(environment(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)))
    import django  # noqa: PLC0415 (Django is set up once the environment is)

    django.setup()
    from django.conf import settings  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from pyinstrument import Profiler  # noqa: PLC0415

    from bench import scenario  # noqa: PLC0415

    world = scenario.prepare(args.scale)
    paths = {page.name: (page.path, page.logged_in) for page in world.pages}
    paths["layout_floor"] = (scenario.LAYOUT_FLOOR, True)
    paths["floor"] = ("/healthz/live", False)
    unknown = [name for name in args.pages if name not in paths]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; the bench has: {', '.join(sorted(paths))}")
    for name in args.pages:
        path, logged_in = paths[name]
        client = Client()
        if logged_in:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.session_key
        client.get(path)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            client.get(path)
        profiler.stop()
        seconds = profiler.last_session.duration
        print(f"\n== {name} {path}: {seconds / args.requests * 1000:.2f} ms a request over {args.requests}")
        print(profiler.output_text(unicode=True, color=False, show_all=args.show_all))
        if args.html:
            Path(args.html).mkdir(parents=True, exist_ok=True)
            (Path(args.html) / f"{name}.html").write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
