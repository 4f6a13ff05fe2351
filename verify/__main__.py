"""``python -m verify`` and the ``dualgap`` console script."""

import sys


def run() -> int:
    from verify.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
