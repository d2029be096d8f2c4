"""Shared code of the report: data -> corruptions -> models -> training -> evaluation -> plots."""

import os

# oneDNN's kernels train these networks much faster on CPUs where TensorFlow leaves them off (docs/measurements.md,
# "Measured throughput"), so they are asked for everywhere. It must be set
# before TensorFlow is first imported, hence here.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
# TensorFlow's C++ log (benign notices about oneDNN and graph attributes at every fit) would land in
# every notebook's outputs with run-specific timestamps; Python-level errors and warnings still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The Keras backends the project runs on (lib.backend loads the one KERAS_BACKEND names); listed here so
# that the command line can offer them without importing Keras.
BACKENDS = ("tensorflow", "jax", "torch")

# Set (by --retrain) to leave the published set of trained networks out and train from scratch; named here
# so that the command line can set it without importing Keras.
RETRAIN_VARIABLE = "REPORT_RETRAIN"
