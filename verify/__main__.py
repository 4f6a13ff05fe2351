"""``python -m verify`` and the ``dualgap`` console script."""

import os
import sys

# The problems here are tiny: multi-threaded BLAS only adds contention (measured about 3× slower
# local search on two busy cores). An explicit setting by the user still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def run() -> int:
    from verify.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
