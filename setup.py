"""Packaging for legacy_seq2seq_compat."""

import pathlib
import re

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (HERE / "legacy_seq2seq_compat" / "_version.py").read_text(),
    re.M,
).group(1)

setup(
    name="legacy-seq2seq-compat",
    version=VERSION,
    description=(
        "TensorFlow 1.x tf.contrib.legacy_seq2seq and the TF1 RNN cells, "
        "exactly, on TensorFlow 2.x without Keras."
    ),
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=find_packages(include=["legacy_seq2seq_compat", "legacy_seq2seq_compat.*"]),
    install_requires=[
        "tensorflow>=2.12,<3",
        "numpy",
        "absl-py",
        "tf-slim>=1.1",
        "libcst>=1.0",
    ],
    extras_require={
        # tf_keras is used only by tests that compare with its legacy cells,
        # always in a subprocess with TF_USE_LEGACY_KERAS=1.
        # matplotlib and tqdm too, so that CI also covers the demo's heatmap and progress bar;
        # pytest-xdist runs the suite on both cores (-n 2).
        # hypothesis drives tests/test_error_properties.py (random wrong arguments).
        "test": ["pytest>=7", "pytest-xdist", "tf-keras", "ruff", "matplotlib", "tqdm",
                 "hypothesis>=6"],
        "demo": ["matplotlib", "tqdm"],
    },
    entry_points={
        "console_scripts": ["legacy-seq2seq-compat = legacy_seq2seq_compat.cli:main"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: Apache Software License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
