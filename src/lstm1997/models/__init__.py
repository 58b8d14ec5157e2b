"""The models a trial trains besides the paper's own net: nn.LSTM (``nn_lstm``), the 1997 net with forget gates
(``forget_gate``) and the 1997 net with an input-gate pre-training phase (``pretraining``). Each satisfies
``lstm1997.trial.Model``; the rows that use them are in ``lstm1997.baseline_rows``. Importing this package imports
none of them (``nn_lstm`` and ``forget_gate`` import torch)."""
