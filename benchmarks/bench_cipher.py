"""What sealing one body costs: zlib then AES-256-GCM, and back, on the sample's own bodies.

    .venv/bin/python benchmarks/bench_cipher.py [--repeat 2000]

The sample record (`tracker demo`) is stored without a key in a temporary
SQLite file; every stored event body and every agreement's state document
(as the read models keep it) is then sealed and opened `--repeat` times with
`KeyRing`, the code the event store's cipher and the views' codec use.
Prints the median time per body and the bytes stored with and without a key.
The other benchmarks, run with TRACKER_CIPHER_KEY set, measure the same cost
inside whole commands, where it is lost among the rest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from projections.agreements import state_json  # noqa: E402
from tracker.application import Tracker  # noqa: E402
from tracker.keys import PLAIN, Key, KeyRing, generate_key  # noqa: E402
from tracker.seed import load_seed  # noqa: E402
from tracker.store import Database  # noqa: E402
from tracker.store_keys import connected  # noqa: E402


def per_body(bodies: list[bytes], repeat: int, keys: KeyRing) -> tuple[float, float, int]:
    """Median µs to seal and to open one body, and the sealed bytes of all of them."""
    sealed = [keys.seal(body) for body in bodies]
    seal_times, open_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for body in bodies:
            keys.seal(body)
        seal_times.append((time.perf_counter() - started) / len(bodies))
        started = time.perf_counter()
        for body in sealed:
            keys.unseal(body)
        open_times.append((time.perf_counter() - started) / len(bodies))
    micro = 1e6
    size = sum(len(body) for body in sealed)
    return statistics.median(seal_times) * micro, statistics.median(open_times) * micro, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    keys = KeyRing(Key.parse(generate_key()))
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'sample.sqlite'}"
        tracker = Tracker.connect(url, keys=PLAIN)
        ids = [outcome.agreement_id for outcome in load_seed(tracker)]
        documents = [state_json(tracker.state(i)).encode("utf-8") for i in ids]
        tracker.close()
        with connected(Database(url)) as connection, connection.transaction() as tx:
            events = [bytes(row[0]) for row in tx.execute("SELECT state FROM stored_events")]
    for name, bodies in (("event bodies", events), ("state documents", documents)):
        sealing, opening, size = per_body(bodies, args.repeat, keys)
        plain = sum(len(body) for body in bodies)
        print(f"{len(bodies)} {name}: seal {sealing:6.1f} µs, open {opening:6.1f} µs per body;")
        print(f"  {plain} bytes plain, {size} sealed ({size / plain:.2f}x)")


if __name__ == "__main__":
    main()
