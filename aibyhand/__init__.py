"""aibyhand: the math of modern embedding models, computable by hand, in pure NumPy.

One module per worksheet; each forward returns :class:`Steps` (every intermediate,
named as on the worksheet) and each backward returns the gradients the same way.
"""

from . import infonce, mrl
from .steps import Steps

__all__ = ["Steps", "infonce", "mrl"]
__version__ = "0.1.0"
