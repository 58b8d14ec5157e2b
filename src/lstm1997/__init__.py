"""lstm1997: the original Long Short-Term Memory (Hochreiter & Schmidhuber, 1997) and its truncated gradient."""

from lstm1997.catalog import get_experiment
from lstm1997.experiments import EXPERIMENTS, Experiment
from lstm1997.learning import (
    evaluate,
    forward,
    forward_states,
    full_gradient,
    gradient,
    train,
    truncated_gradient,
)
from lstm1997.network import Network, NetworkSpec
from lstm1997.sequences import Sequences

__version__ = "0.1.0"
__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "get_experiment",
    "Network",
    "NetworkSpec",
    "Sequences",
    "__version__",
    "evaluate",
    "forward",
    "forward_states",
    "full_gradient",
    "gradient",
    "train",
    "truncated_gradient",
]
