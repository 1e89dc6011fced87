import argparse
import statistics
import sys

parser = argparse.ArgumentParser(description="summarise numbers")
parser.add_argument("values", nargs="*", type=float)
parser.add_argument("--precision", type=int, default=2)
args = parser.parse_args(sys.argv[1:] or ["1", "2", "3.5", "10"])
vals = args.values
print("mean", round(statistics.mean(vals), args.precision))
print("median", statistics.median(vals))
print("stdev", round(statistics.pstdev(vals), args.precision))
