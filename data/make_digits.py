"""Writes data/digits.csv: a binary task (even vs odd digit) from the 8x8 handwritten digits.

Source: scikit-learn's bundled copy of the test set of the UCI "Optical Recognition of Handwritten
Digits" data (E. Alpaydin, C. Kaynak, 1998): 1797 images of 8x8 pixels with integer values 0..16.
Each output row is the 64 pixel values (row-major, p0..p63) followed by the label: +1 for an even digit,
-1 for an odd one. The original sample order is kept; nothing is shuffled or rescaled (FlatMinima
standardises features with the training split when it loads the file).

Rerun (deterministic; the output is byte-identical for the same scikit-learn data):
    pip install scikit-learn==1.9.1
    python3 data/make_digits.py [OUTPUT]      # default: digits.csv beside this script
"""
import os
import sys

from sklearn.datasets import load_digits


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "digits.csv")
    digits = load_digits()
    with open(out, "w") as f:
        f.write(",".join(f"p{i}" for i in range(64)) + ",label\n")
        for image, digit in zip(digits.data, digits.target):
            label = 1 if digit % 2 == 0 else -1
            f.write(",".join(str(int(v)) for v in image) + f",{label}\n")


if __name__ == "__main__":
    main()
