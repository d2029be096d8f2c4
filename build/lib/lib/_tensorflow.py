"""TensorFlow, imported with its native start-up notices silenced.

TensorFlow's C++ notices at import time (CPU features, oneDNN) are written before its logging is set
up, so TF_CPP_MIN_LOG_LEVEL cannot hold them back; in a notebook they land in the outputs with
timestamps that differ on every run. Standard error is pointed at /dev/null for the import only:
Python exceptions still propagate.
"""

import os

_saved_stderr = os.dup(2)
_devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(_devnull, 2)
try:
    import tensorflow
finally:
    os.dup2(_saved_stderr, 2)
    os.close(_saved_stderr)
    os.close(_devnull)

# Building and evaluating many models in one process makes TensorFlow warn about retracing at every
# new model: expected here, and it would bury the notebooks' outputs.
tensorflow.get_logger().setLevel("ERROR")
