"""What the PyTorch sides of the side-by-side benchmarks share: OpenBLAS's thread count, and the `--serve` mode of
bench/python-peer.ts (one long-lived process answering one argument list per stdin line)."""
import ctypes
import json
import sys


def blas_threads():
    """OpenBLAS's thread count (None if the BLAS libtorch loaded is not OpenBLAS)."""
    for line in open('/proc/self/maps'):
        path = line.split()[-1]
        if 'openblas' in path:
            return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL).openblas_get_num_threads()  # already loaded: same copy
    return None


def main(parser, run):
    """Runs `run(args)` once on the command line's arguments, or, with `--serve`, once per JSON array read from
    stdin, each answered by its result lines and then {"done": true}."""
    if '--serve' in sys.argv[1:]:
        for line in sys.stdin:
            if line.strip():
                run(parser.parse_args(json.loads(line)))
                print(json.dumps({'done': True}), flush=True)
    else:
        run(parser.parse_args())
