"""Run the fake Notion server standalone, seeded with vet practices.

    python -m tests.notion_fake --pages 300 --port 8765 [--rate-limit 3] [--faults 0.1]

Prints shell-style ``NOTION_BASE_URL=…``, ``NOTION_API_KEY=…``, ``NOTION_DATABASE_ID=…`` and
``NOTION_DATA_SOURCE_ID=…`` lines on stdout, then serves until interrupted (or ``--duration`` s).
"""

from __future__ import annotations

import argparse
import sys
import time

from .faults import ALL_FAULT_KINDS, DEFAULT_FAULT_KINDS
from .seed import seed_practices
from .server import FakeNotion


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.notion_fake", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="vet practices to seed (default 300)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--token", default="secret_test", help="the integration token clients must send")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and data")
    parser.add_argument(
        "--rate-limit", type=float, default=None, help="average requests/s (default unlimited)"
    )
    parser.add_argument("--burst", type=int, default=3, help="token-bucket burst size")
    parser.add_argument("--faults", type=float, default=0.0, help="probability of a fault per request")
    parser.add_argument(
        "--fault-kinds",
        default=",".join(DEFAULT_FAULT_KINDS),
        help=f"comma-separated, from {','.join(ALL_FAULT_KINDS)}",
    )
    parser.add_argument("--slow-seconds", type=float, default=65.0, help="delay of a 'slow' fault")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    srv = FakeNotion(
        token=args.token,
        rate_limit=args.rate_limit,
        burst=args.burst,
        seed=args.seed,
        port=args.port,
        slow_seconds=args.slow_seconds,
    )
    seed_practices(srv, args.pages, seed=args.seed)
    if args.faults:
        srv.faults.set(rate=args.faults, kinds=args.fault_kinds.split(","), seed=args.seed)
    with srv:
        print(f"NOTION_BASE_URL={srv.base_url}")
        print(f"NOTION_API_KEY={srv.token}")
        print(f"NOTION_DATABASE_ID={srv.database_id}")
        print(f"NOTION_DATA_SOURCE_ID={srv.data_source_id}", flush=True)
        print(
            f"fake Notion: {args.pages} pages at {srv.base_url} (Ctrl-C to stop)", file=sys.stderr, flush=True
        )
        deadline = None if args.duration is None else time.monotonic() + args.duration
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        print(f"served {len(srv.requests)} requests ({srv.rate_limited} rate-limited)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
