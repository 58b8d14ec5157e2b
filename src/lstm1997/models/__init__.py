"""What a trial trains: the ``Model`` protocol and the paper's net trained by the compiled kernel (``kernel``), and
besides it nn.LSTM (``nn_lstm``), the 1997 net with forget gates (``forget_gate``) and the 1997 net with an
input-gate pre-training phase (``pretraining``); the rows that use the others are in ``lstm1997.baseline_rows``.
Importing this package imports none of them (``nn_lstm`` and ``forget_gate`` import torch)."""
