"""dualgap: executable checks of *Parallel Deep Neural Networks Have Zero Duality Gap*.

Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482). Every claim of the paper is a
:class:`verify.claims.Claim` whose ``check`` returns certified primal and dual bounds and a
verdict; see ``verify.claims.REGISTRY``.
"""

__version__ = "0.1.0"
