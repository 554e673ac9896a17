"""TensorFlow's CPU options. Import this module before keras or tensorflow: the options are read when
TensorFlow loads. A value already set in the environment wins.

oneDNN kernels: TensorFlow switches them on by default only on processors with the newer AVX-512
features; on the 2-core machine this study is timed on they were off. Measured there (ms per training
step, off -> on): the 4,470-parameter CNN at batch 20 12.8 -> 3.3, the same with BN 12.8 -> 7.6, the
1024-512 dense network at batch 256 39.9 -> 21.9, the improved CNN at batch 128 61.7 -> 42.9, the
source's simple CNN at batch 64 20.4 -> 20.4. Runs stay deterministic; the last digits of results
differ from runs without them.
"""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
