"""optuna-dashboard on the study storage (the runner's default unless --storage is given).

    python study/dashboard.py                      # http://127.0.0.1:8080
    python study/dashboard.py --storage sqlite:///studies/graphreg.db --port 8081
"""

from __future__ import annotations

import argparse
import sys

from graphreg.study import DEFAULT_STORAGE, redact_text, serve_dashboard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", default=DEFAULT_STORAGE, help="SQLAlchemy URL or journal file path")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    try:
        serve_dashboard(args.storage, args.host, args.port)
    except ValueError as error:
        print(f"error: {redact_text(str(error), args.storage)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
