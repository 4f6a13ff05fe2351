"""dualgap: executable checks of *Parallel Deep Neural Networks Have Zero Duality Gap*.

Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482). Every claim (as formulated in
docs/formulations) is a :class:`verify.claims.Claim` whose ``check`` returns certified primal
and dual bounds and a verdict; see ``verify.claims.REGISTRY``.
"""

import os

# The problems here are tiny: multi-threaded BLAS only adds contention (measured about 3× slower
# local search on two busy cores). This takes effect when ``verify`` is imported before numpy
# (the console script, ``python -m verify`` and the test suite's conftest do so); an explicit
# setting by the user still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
